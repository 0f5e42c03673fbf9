/**
 * The seed ticker catalogue (SPEC §3 `tickers`: Korean and English names, currency, market,
 * active flag), as typed data.
 *
 * Contents:
 * - every instrument with replay data in `shared/data/market/` (BTC, ETH, Samsung Electronics,
 *   SK hynix, Apple, NVIDIA, Tesla);
 * - the largest KRX stocks by market capitalisation (2024–2025), by their 6-character KRX code
 *   and the short names KRX lists them under;
 * - the largest US stocks (2024–2025) with Korean names as Korean media write them;
 * - large coins traded on Upbit's KRW market, with the exchange's Korean names.
 *
 * Order matters: search ties keep catalogue order, so within a market the larger company comes
 * first (`삼성` lists 삼성전자 before 삼성바이오로직스). Aliases are lower-case English short names
 * and common Korean nicknames; an alias must not equal a symbol or name of another entry.
 * Human ETFs are not seeded: they are created at IPO.
 */
import { currencyOf, formatTickerId } from '../../core/ticker.js';
import type { CatalogueEntry, InstrumentType, MarketCode } from '../../core/ticker.js';

type Row = readonly [symbol: string, nameKo: string, nameEn: string, aliases?: readonly string[]];

function build(market: MarketCode, type: InstrumentType, rows: readonly Row[]): CatalogueEntry[] {
  return rows.map(([symbol, nameKo, nameEn, aliases = []]) => ({
    id: formatTickerId(market, type, symbol),
    market,
    type,
    symbol,
    nameKo,
    nameEn,
    currency: currencyOf({ market }),
    aliases: Object.freeze([...aliases]) as string[],
    active: true,
  })).map((entry) => Object.freeze(entry));
}

/** KRX (KOSPI) stocks, by market capitalisation 2024–2025, names as KRX lists them. */
const KRX_STOCKS: readonly Row[] = [
  ['005930', '삼성전자', 'Samsung Electronics', ['samsung', '삼전']],
  ['000660', 'SK하이닉스', 'SK hynix', ['hynix', '하이닉스', 'skhynix', '하닉']],
  ['373220', 'LG에너지솔루션', 'LG Energy Solution', ['lges', '엔솔', '엘지에너지솔루션']],
  ['207940', '삼성바이오로직스', 'Samsung Biologics', ['삼바', 'samsungbio']],
  ['005380', '현대차', 'Hyundai Motor', ['hyundai', '현대자동차']],
  ['000270', '기아', 'Kia', ['기아차', '기아자동차']],
  ['068270', '셀트리온', 'Celltrion'],
  ['012450', '한화에어로스페이스', 'Hanwha Aerospace', ['한화에어로']],
  ['105560', 'KB금융', 'KB Financial Group', ['kb', 'kb금융지주']],
  ['035420', 'NAVER', 'NAVER', ['네이버']],
  ['005490', 'POSCO홀딩스', 'POSCO Holdings', ['posco', '포스코', '포스코홀딩스']],
  ['055550', '신한지주', 'Shinhan Financial Group', ['shinhan', '신한금융지주']],
  ['028260', '삼성물산', 'Samsung C&T'],
  ['012330', '현대모비스', 'Hyundai Mobis', ['mobis', '모비스']],
  ['035720', '카카오', 'Kakao'],
  ['329180', 'HD현대중공업', 'HD Hyundai Heavy Industries', ['현대중공업']],
  ['042660', '한화오션', 'Hanwha Ocean', ['대우조선해양']],
  ['034020', '두산에너빌리티', 'Doosan Enerbility', ['두산중공업']],
  ['006400', '삼성SDI', 'Samsung SDI', ['sdi']],
  ['051910', 'LG화학', 'LG Chem', ['엘지화학']],
  ['066570', 'LG전자', 'LG Electronics', ['lge', '엘지전자']],
  ['086790', '하나금융지주', 'Hana Financial Group', ['hana', '하나금융']],
  ['032830', '삼성생명', 'Samsung Life Insurance', ['samsunglife']],
  ['015760', '한국전력', 'Korea Electric Power (KEPCO)', ['kepco', '한전']],
  ['011200', 'HMM', 'HMM', ['현대상선']],
  ['009540', 'HD한국조선해양', 'HD Korea Shipbuilding & Offshore Engineering', ['한국조선해양', 'ksoe']],
  ['138040', '메리츠금융지주', 'Meritz Financial Group', ['meritz', '메리츠금융']],
  ['000810', '삼성화재', 'Samsung Fire & Marine Insurance', ['samsungfire']],
  ['323410', '카카오뱅크', 'KakaoBank', ['카뱅']],
  ['017670', 'SK텔레콤', 'SK Telecom', ['skt']],
  ['259960', '크래프톤', 'Krafton'],
  ['010130', '고려아연', 'Korea Zinc'],
  ['096770', 'SK이노베이션', 'SK Innovation', ['sk이노']],
  ['033780', 'KT&G', 'KT&G', ['ktng', '케이티앤지']],
  ['003670', '포스코퓨처엠', 'POSCO Future M', ['포스코케미칼']],
  ['402340', 'SK스퀘어', 'SK Square'],
  ['010140', '삼성중공업', 'Samsung Heavy Industries'],
  ['267260', 'HD현대일렉트릭', 'HD Hyundai Electric', ['현대일렉트릭']],
  ['316140', '우리금융지주', 'Woori Financial Group', ['woori', '우리금융']],
  ['024110', '기업은행', 'Industrial Bank of Korea', ['ibk']],
  ['018260', '삼성에스디에스', 'Samsung SDS', ['삼성sds']],
  ['009150', '삼성전기', 'Samsung Electro-Mechanics', ['semco']],
  ['000100', '유한양행', 'Yuhan'],
  ['030200', 'KT', 'KT'],
  ['034730', 'SK', 'SK Inc.', ['sk주식회사']],
  ['003550', 'LG', 'LG Corp.', ['엘지']],
];

/** US stocks, by market capitalisation 2024–2025; Korean names as Korean media write them. */
const US_STOCKS: readonly Row[] = [
  ['AAPL', '애플', 'Apple', ['apple']],
  ['NVDA', '엔비디아', 'NVIDIA', ['nvidia', '엔비디아', '엔비']],
  ['MSFT', '마이크로소프트', 'Microsoft', ['microsoft', '마소']],
  ['GOOGL', '알파벳 A', 'Alphabet Class A', ['google', '구글', 'alphabet', '알파벳']],
  ['GOOG', '알파벳 C', 'Alphabet Class C'],
  ['AMZN', '아마존', 'Amazon.com', ['amazon']],
  ['META', '메타', 'Meta Platforms', ['facebook', '페이스북', '메타플랫폼스']],
  ['BRK.B', '버크셔 해서웨이 B', 'Berkshire Hathaway Class B', ['berkshire', '버크셔', 'brkb']],
  ['TSLA', '테슬라', 'Tesla', ['tesla', '테슬라']],
  ['AVGO', '브로드컴', 'Broadcom', ['broadcom']],
  ['LLY', '일라이 릴리', 'Eli Lilly', ['lilly', '릴리']],
  ['JPM', 'JP모건 체이스', 'JPMorgan Chase', ['jpmorgan', 'jp모건']],
  ['V', '비자', 'Visa', ['visa']],
  ['WMT', '월마트', 'Walmart', ['walmart']],
  ['UNH', '유나이티드헬스 그룹', 'UnitedHealth Group', ['unitedhealth', '유나이티드헬스']],
  ['XOM', '엑슨모빌', 'Exxon Mobil', ['exxon', '엑손모빌']],
  ['MA', '마스터카드', 'Mastercard', ['mastercard']],
  ['ORCL', '오라클', 'Oracle', ['oracle']],
  ['COST', '코스트코', 'Costco Wholesale', ['costco']],
  ['PG', '프록터 앤드 갬블', 'Procter & Gamble', ['p&g', '피앤지']],
  ['JNJ', '존슨앤드존슨', 'Johnson & Johnson', ['j&j', '존슨앤존슨']],
  ['HD', '홈디포', 'Home Depot', ['homedepot']],
  ['NFLX', '넷플릭스', 'Netflix', ['netflix', '넷플']],
  ['BAC', '뱅크오브아메리카', 'Bank of America', ['bofa', '뱅오아']],
  ['ABBV', '애브비', 'AbbVie', ['abbvie']],
  ['KO', '코카콜라', 'Coca-Cola', ['coke', 'cocacola']],
  ['CRM', '세일즈포스', 'Salesforce', ['salesforce']],
  ['AMD', 'AMD', 'Advanced Micro Devices', ['에이엠디']],
  ['CVX', '셰브론', 'Chevron', ['chevron', '쉐브론']],
  ['MRK', '머크', 'Merck & Co.', ['merck']],
  ['PEP', '펩시코', 'PepsiCo', ['pepsi', '펩시']],
  ['PLTR', '팔란티어', 'Palantir Technologies', ['palantir']],
  ['ADBE', '어도비', 'Adobe', ['adobe']],
  ['CSCO', '시스코', 'Cisco Systems', ['cisco']],
  ['QCOM', '퀄컴', 'Qualcomm', ['qualcomm']],
  ['INTC', '인텔', 'Intel', ['intel']],
  ['DIS', '디즈니', 'Walt Disney', ['disney']],
  ['IBM', 'IBM', 'IBM'],
];

/** Coins on Upbit's KRW market, by market capitalisation 2024–2025; Korean names as Upbit lists them. */
const CRYPTO_COINS: readonly Row[] = [
  ['BTC', '비트코인', 'Bitcoin', ['bitcoin', '비트']],
  ['ETH', '이더리움', 'Ethereum', ['ethereum', 'ether', '이더']],
  ['XRP', '리플', 'XRP', ['ripple', '엑스알피']],
  ['SOL', '솔라나', 'Solana', ['solana', '솔']],
  ['DOGE', '도지코인', 'Dogecoin', ['dogecoin', '도지']],
  ['ADA', '에이다', 'Cardano', ['cardano', '카르다노']],
  ['TRX', '트론', 'TRON', ['tron']],
  ['LINK', '체인링크', 'Chainlink', ['chainlink']],
  ['AVAX', '아발란체', 'Avalanche', ['avalanche']],
  ['XLM', '스텔라루멘', 'Stellar', ['stellar', '스텔라']],
  ['SUI', '수이', 'Sui'],
  ['BCH', '비트코인캐시', 'Bitcoin Cash', ['bitcoincash', '비캐']],
  ['HBAR', '헤데라', 'Hedera', ['hedera']],
  ['DOT', '폴카닷', 'Polkadot', ['polkadot']],
  ['SHIB', '시바이누', 'Shiba Inu', ['shiba', '시바']],
  ['UNI', '유니스왑', 'Uniswap', ['uniswap']],
  ['NEAR', '니어프로토콜', 'NEAR Protocol', ['니어']],
  ['ETC', '이더리움클래식', 'Ethereum Classic', ['ethereumclassic', '이클']],
  ['APT', '앱토스', 'Aptos', ['aptos']],
  ['POL', '폴리곤 에코시스템 토큰', 'Polygon Ecosystem Token', ['polygon', 'matic', '폴리곤', '매틱']],
  ['AAVE', '에이브', 'Aave'],
  ['ATOM', '코스모스', 'Cosmos', ['cosmos']],
];

/**
 * The seed catalogue: KRX stocks, then US stocks, then crypto; all active. Frozen.
 * Counts: 46 KRX, 38 US, 22 CRYPTO.
 */
export const TICKER_CATALOGUE: readonly CatalogueEntry[] = Object.freeze([
  ...build('KRX', 'STOCK', KRX_STOCKS),
  ...build('US', 'STOCK', US_STOCKS),
  ...build('CRYPTO', 'COIN', CRYPTO_COINS),
]);
