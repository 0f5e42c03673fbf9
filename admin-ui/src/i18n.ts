/** Korean and English strings of the admin UI. The language is remembered in localStorage. */
import { useEffect, useState } from 'preact/hooks';

export type Lang = 'ko' | 'en';

const ko = {
  title: 'Gaemi 관리자',
  login: '로그인',
  logout: '로그아웃',
  username: '아이디',
  password: '비밀번호',
  loginDiscord: 'Discord로 로그인',
  loginFailed: '로그인 실패',
  notAdmin: '관리자 계정이 아닙니다',
  dashboard: '대시보드',
  users: '사용자',
  orders: '주문',
  settings: '설정',
  templates: '메시지 템플릿',
  leaderboard: '랭킹',
  audit: '감사 로그',
  prices: '실시간 시세',
  ticker: '종목',
  price: '가격',
  change: '등락률',
  time: '시각',
  waitingPrices: '시세를 기다리는 중…',
  streamOpen: '실시간 연결됨',
  streamClosed: '연결 끊김, 재연결 중…',
  health: '구성 요소 상태',
  component: '구성 요소',
  status: '상태',
  mode: '모드',
  up: '정상',
  down: '장애',
  queueDepth: '주문 대기열',
  deadLetters: '데드 레터',
  engineLag: '엔진 지연 (중앙값/최대)',
  outbox: '미발행 이벤트',
  settled5m: '최근 5분 체결',
  search: '검색',
  nickname: '닉네임',
  role: '역할',
  cash: '현금 (KRW)',
  suspended: '정지됨',
  active: '활성',
  actions: '작업',
  suspend: '정지',
  reinstate: '정지 해제',
  adjustCash: '현금 조정',
  amount: '금액 (KRW, 음수는 차감)',
  reason: '사유',
  reasonRequired: '사유를 입력하세요 (3자 이상)',
  apply: '적용',
  cancel: '취소',
  saved: '저장했습니다',
  done: '완료',
  side: '구분',
  type: '유형',
  quantity: '수량',
  failReason: '실패 사유',
  created: '생성',
  allStatuses: '모든 상태',
  failures24h: '최근 24시간 실패 사유',
  feeRate: '거래 수수료율',
  whaleThreshold: '고래 알림 기준 (KRW)',
  startingCash: '시작 자금 (KRW)',
  maxLeverage: '최대 레버리지',
  maintenanceMargin: '유지 증거금률',
  save: '저장',
  source: '출처',
  reset: '기본값으로',
  preview: '미리보기',
  variables: '사용 가능한 변수',
  unknownPlaceholders: '알 수 없는 변수 (그대로 출력됨)',
  board: '기준',
  equity: '순자산',
  pnl: '손익',
  realized: '실현 손익',
  rank: '순위',
  action: '작업',
  actor: '작업자',
  target: '대상',
  details: '내용',
  noRows: '항목이 없습니다',
  error: '오류',
  language: 'English',
  me: '나',
};

export type Key = keyof typeof ko;

const en: Record<Key, string> = {
  title: 'Gaemi admin',
  login: 'Log in',
  logout: 'Log out',
  username: 'Username',
  password: 'Password',
  loginDiscord: 'Log in with Discord',
  loginFailed: 'Login failed',
  notAdmin: 'This account is not an administrator',
  dashboard: 'Dashboard',
  users: 'Users',
  orders: 'Orders',
  settings: 'Settings',
  templates: 'Message templates',
  leaderboard: 'Leaderboard',
  audit: 'Audit log',
  prices: 'Live prices',
  ticker: 'Ticker',
  price: 'Price',
  change: 'Change',
  time: 'Time',
  waitingPrices: 'Waiting for prices…',
  streamOpen: 'Live',
  streamClosed: 'Disconnected, reconnecting…',
  health: 'Components',
  component: 'Component',
  status: 'Status',
  mode: 'Mode',
  up: 'up',
  down: 'down',
  queueDepth: 'Order queue',
  deadLetters: 'Dead letters',
  engineLag: 'Engine lag (median/max)',
  outbox: 'Unpublished events',
  settled5m: 'Settled, last 5 min',
  search: 'Search',
  nickname: 'Nickname',
  role: 'Role',
  cash: 'Cash (KRW)',
  suspended: 'Suspended',
  active: 'Active',
  actions: 'Actions',
  suspend: 'Suspend',
  reinstate: 'Reinstate',
  adjustCash: 'Adjust cash',
  amount: 'Amount (KRW, negative to deduct)',
  reason: 'Reason',
  reasonRequired: 'Give a reason (3 characters or more)',
  apply: 'Apply',
  cancel: 'Cancel',
  saved: 'Saved',
  done: 'Done',
  side: 'Side',
  type: 'Type',
  quantity: 'Quantity',
  failReason: 'Failure reason',
  created: 'Created',
  allStatuses: 'All statuses',
  failures24h: 'Failure reasons, last 24 h',
  feeRate: 'Trading fee rate',
  whaleThreshold: 'Whale alert threshold (KRW)',
  startingCash: 'Starting cash (KRW)',
  maxLeverage: 'Max leverage',
  maintenanceMargin: 'Maintenance margin',
  save: 'Save',
  source: 'Source',
  reset: 'Reset to default',
  preview: 'Preview',
  variables: 'Variables',
  unknownPlaceholders: 'Unknown placeholders (printed as written)',
  board: 'Board',
  equity: 'Equity',
  pnl: 'PnL',
  realized: 'Realized PnL',
  rank: 'Rank',
  action: 'Action',
  actor: 'Actor',
  target: 'Target',
  details: 'Details',
  noRows: 'Nothing here',
  error: 'Error',
  language: '한국어',
  me: 'me',
};

const dictionaries: Record<Lang, Record<Key, string>> = { ko, en };

function initial(): Lang {
  const stored = localStorage.getItem('gaemi.lang');
  if (stored === 'ko' || stored === 'en') return stored;
  return navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

let current: Lang = initial();
const listeners = new Set<(l: Lang) => void>();

export function getLang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
  localStorage.setItem('gaemi.lang', l);
  document.documentElement.lang = l;
  for (const fn of listeners) fn(l);
}

/** Re-render the calling component when the language changes. */
export function useLang(): Lang {
  const [l, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    return () => {
      listeners.delete(set);
    };
  }, []);
  return l;
}

/** The string for `key` in the current language. */
export function t(key: Key): string {
  return dictionaries[current][key];
}
