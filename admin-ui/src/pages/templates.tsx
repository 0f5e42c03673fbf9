/**
 * Template editor with a live preview rendered in the browser by the notifier's own
 * renderer (`renderTemplate` of core/templates) over sample values.
 */
import { useEffect, useState } from 'preact/hooks';
import { renderTemplate, unknownPlaceholders, isTemplateKey } from '../../../core/templates.js';
import { TEMPLATE_SAMPLES } from '../../../api/admin/template-samples.js';
import { ApiError, api } from '../api.js';
import { Card, ErrorBox } from '../components.js';
import { when } from '../format.js';
import { useApi } from '../hooks.js';
import { t } from '../i18n.js';

interface Template {
  key: string;
  content: string;
  default_content: string;
  is_default: boolean;
  source: string;
  variables: string[];
  updated_at: string | null;
}

export function TemplatesPage() {
  const list = useApi<{ templates: Template[] }>('/admin/templates');
  const [key, setKey] = useState('whale_trade');
  const [content, setContent] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const current = list.data?.templates.find((x) => x.key === key) ?? null;
  useEffect(() => {
    if (current !== null) setContent(current.content);
  }, [key, current?.content]);

  const preview = isTemplateKey(key) ? renderTemplate(content, TEMPLATE_SAMPLES[key]) : content;
  const unknown = isTemplateKey(key) ? unknownPlaceholders(key, content) : [];
  const done = (p: Promise<unknown>) => {
    setError(null);
    setSaved(false);
    p.then(
      () => {
        setSaved(true);
        list.reload();
      },
      (e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'ERROR', String(e))),
    );
  };
  return (
    <div class="grid2">
      <Card title={t('templates')}>
        <label>
          Key
          <select value={key} onChange={(e) => setKey(e.currentTarget.value)} data-testid="template-key">
            {(list.data?.templates ?? []).map((x) => (
              <option value={x.key}>
                {x.key}
                {x.is_default ? '' : ' *'}
              </option>
            ))}
          </select>
        </label>
        {current !== null && (
          <p class="muted">
            {t('source')}: {current.source} {when(current.updated_at)}
          </p>
        )}
        <textarea value={content} onInput={(e) => setContent(e.currentTarget.value)} data-testid="template-content" spellcheck={false} />
        <p class="muted">
          {t('variables')}: {(current?.variables ?? []).map((v) => `{${v}}`).join(' ')}
        </p>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            done(api('PUT', `/admin/templates/${key}`, { key, content }));
          }}
        >
          <button type="submit" data-testid="template-save">
            {t('save')}
          </button>
          <button type="button" class="secondary" onClick={() => done(api('DELETE', `/admin/templates/${key}`))}>
            {t('reset')}
          </button>
        </form>
        <ErrorBox error={error ?? list.error} />
        {saved && (
          <p class="ok" data-testid="template-saved">
            {t('saved')}
          </p>
        )}
      </Card>
      <Card title={t('preview')}>
        <div class="preview" data-testid="template-preview">
          {preview}
        </div>
        {unknown.length > 0 && (
          <p class="error" data-testid="template-unknown">
            {t('unknownPlaceholders')}: {unknown.map((u) => `{${u}}`).join(' ')}
          </p>
        )}
      </Card>
    </div>
  );
}
