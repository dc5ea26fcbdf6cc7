import './dashboard.css';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import type { TopLevelSpec } from 'vega-lite';
import {
  COMMUNE_DETAIL,
  COMMUNE_DOSSIER_CHANGED,
  COMMUNE_DOSSIERS,
  COMMUNE_NAMES,
  EVALUATION_CHANGED,
  graphql,
  LATEST,
  NAMES,
  PROVINCE_DETAIL,
  PROVINCE_RANKING,
  type DossierPage,
  type Evaluation,
  type Indicator,
  type Ranked,
} from './api';
import { Chart, CHART_CONFIG } from './Chart';
import { createLive, debounce, subscribe, type LiveStatus } from './live';
import {
  credentialHeaders,
  dueBuckets,
  formatPeriod,
  GROUPS,
  groupBars,
  onTimeText,
  rankText,
  parsePeriod,
  PERIOD_KINDS,
  periodLabel,
  pointsText,
  readClaims,
  recentMonths,
  scoreText,
  staleViews,
  type DossierRow,
  type EvaluationChangeKeys,
  type Period,
} from './model';

/** Two labels, Vietnamese first. */
function L({ vi, en }: { vi: string; en: string }) {
  return (
    <>
      {vi} <span className="en">{en}</span>
    </>
  );
}

const percent = (n: number | null) => (n === null ? '—' : `${(n * 100).toFixed(1)}%`);
const time = (iso: string) =>
  new Date(iso).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' });

function readUrl(): { period: Period | null; province: string | null; commune: string | null } {
  const params = new URLSearchParams(window.location.search);
  return { period: parsePeriod(params.get('period')), province: params.get('province'), commune: params.get('commune') };
}

function writeUrl(period: Period | null, province: string | null, commune: string | null) {
  const params = new URLSearchParams();
  if (period) params.set('period', formatPeriod(period));
  if (province) params.set('province', province);
  if (commune) params.set('commune', commune);
  window.history.replaceState(null, '', `?${params.toString()}`);
}

/** The latest month with an evaluated national index (the demo data ends months ago), else the current month. */
async function latestEvaluatedMonth(): Promise<Period> {
  const current = recentMonths(new Date(), 1)[0]!;
  type Month = { evaluated: boolean; period: { year: number; index: number } };
  const data = await graphql<{ thisYear: Month[]; lastYear: Month[] }>(LATEST, { year: current.year, previous: current.year - 1 });
  const latest = [...data.lastYear, ...data.thisYear]
    .filter((m) => m.evaluated && m.period.year * 12 + m.period.index <= current.year * 12 + current.index)
    .pop();
  return latest ? { kind: 'MONTH', year: latest.period.year, index: latest.period.index } : current;
}

/** A ranking table; `onPick` makes its rows clickable. */
function RankingTable({
  rows,
  names,
  kind,
  selected,
  onPick,
  changed,
}: {
  rows: Ranked[];
  names: Map<string, string>;
  kind: 'province' | 'commune' | 'department';
  selected?: string | null;
  onPick?: (code: string) => void;
  changed: Set<string>;
}) {
  return (
    <table className="ranking" data-ranking={kind}>
      <thead>
        <tr>
          <th>
            <L vi="Hạng" en="Rank" />
          </th>
          <th className="name">
            <L vi="Đơn vị" en="Unit" />
          </th>
          <th>
            <L vi="Điểm" en="Score" />
          </th>
          {GROUPS.map((g) => (
            <th key={g.code} title={g.vi}>
              <span className="en">{g.en}</span>
            </th>
          ))}
          <th>
            <L vi="Hồ sơ" en="Dossiers" />
          </th>
          <th>
            <L vi="Đúng hạn" en="On time" />
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ rank, evaluation: e }) => (
          <tr
            key={e.unitCode}
            data-unit={e.unitCode}
            className={[
              selected === e.unitCode ? 'selected' : '',
              changed.has(e.unitCode) ? 'changed' : '',
              e.evaluated ? '' : 'idle',
            ].join(' ')}
            onClick={onPick ? () => onPick(e.unitCode) : undefined}
            tabIndex={onPick ? 0 : undefined}
            onKeyDown={onPick ? (event) => event.key === 'Enter' && onPick(e.unitCode) : undefined}
          >
            <td data-field="rank">{rankText(rank, e)}</td>
            <td className="name" data-field="name">
              {names.get(e.unitCode) ?? e.unitCode}
              {!e.evaluated && <small> (chưa đánh giá · not evaluated)</small>}
            </td>
            <td data-field="score" className="score">
              {scoreText(e)}
            </td>
            {GROUPS.map((g) => (
              <td key={g.code} data-field={g.code}>
                {pointsText(e, g.code)}
              </td>
            ))}
            <td data-field="dossiers">{e.dossiersReceived}</td>
            <td data-field="onTime">{onTimeText(e)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function trendSpec(title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: 180,
    config: CHART_CONFIG,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'month', type: 'ordinal', title: 'Tháng · Month' },
      y: { field: 'score', type: 'quantitative', title: title, scale: { zero: false } },
      color: { field: 'unit', type: 'nominal', title: null },
      tooltip: [
        { field: 'unit', type: 'nominal' },
        { field: 'month', type: 'ordinal' },
        { field: 'score', type: 'quantitative', format: '.2f' },
      ],
    },
  } as TopLevelSpec;
}

const TREND_SPEC = trendSpec('Điểm · Score');

const GROUP_TREND_SPEC = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: 'container',
  height: 200,
  config: CHART_CONFIG,
  mark: { type: 'bar' },
  encoding: {
    x: { field: 'month', type: 'ordinal', title: 'Tháng · Month' },
    y: { field: 'points', type: 'quantitative', stack: true, title: 'Điểm theo nhóm · Points by group' },
    order: { field: 'order', type: 'ordinal' },
    color: { field: 'group', type: 'nominal', title: null, sort: GROUPS.map((g) => g.en) },
    tooltip: [
      { field: 'group', type: 'nominal' },
      { field: 'month', type: 'ordinal' },
      { field: 'points', type: 'quantitative', format: '.2f' },
    ],
  },
} as TopLevelSpec;

function groupsSpec(order: string[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: { step: 14 },
    autosize: { type: 'fit-x', contains: 'padding' },
    config: CHART_CONFIG,
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'unit', type: 'nominal', sort: order, title: null },
      x: {
        field: 'points',
        type: 'quantitative',
        stack: true,
        title: 'Điểm theo nhóm · Points by group (/100)',
        scale: { domain: [0, 100] },
      },
      order: { field: 'order', type: 'ordinal' },
      color: { field: 'group', type: 'nominal', title: null, sort: GROUPS.map((g) => g.en) },
      tooltip: [
        { field: 'unit', type: 'nominal' },
        { field: 'group', type: 'nominal' },
        { field: 'points', type: 'quantitative', format: '.2f' },
      ],
    },
  } as TopLevelSpec;
}

const trendRows = (unit: string, trend: Evaluation[]) =>
  trend
    .filter((e) => e.evaluated)
    .map((e) => ({ unit, month: `${e.period.year}-${String(e.period.index).padStart(2, '0')}`, score: e.score }));

function Section({ title, children, id }: { title: { vi: string; en: string }; children: ReactNode; id: string }) {
  return (
    <section id={id}>
      <h2>
        <L {...title} />
      </h2>
      {children}
    </section>
  );
}

/** Units whose score changed since the previous read, to mark them for a moment. */
function useChanged(rows: Ranked[] | undefined): Set<string> {
  const previous = useRef(new Map<string, string>());
  const [changed, setChanged] = useState(new Set<string>());
  useEffect(() => {
    if (!rows) return undefined;
    const next = new Map(rows.map((r) => [r.evaluation.unitCode, `${r.rank}:${r.evaluation.score}`]));
    const moved = previous.current.size ? [...next].filter(([code, v]) => previous.current.get(code) !== v).map(([code]) => code) : [];
    previous.current = next;
    if (moved.length === 0) return undefined;
    setChanged(new Set(moved));
    const timer = setTimeout(() => setChanged(new Set()), 4000);
    return () => clearTimeout(timer);
  }, [rows]);
  return changed;
}

function Dashboard() {
  const initial = useMemo(readUrl, []);
  const [period, setPeriod] = useState<Period | null>(initial.period);
  const [provinceCode, setProvinceCode] = useState<string | null>(initial.province);
  const [communeCode, setCommuneCode] = useState<string | null>(initial.commune);
  const [names, setNames] = useState(new Map<string, string>());
  const [ranking, setRanking] = useState<{ provinceRanking: Ranked[]; nationalEvaluation: Evaluation; nationalTrend: Evaluation[] }>();
  const [province, setProvince] = useState<{
    communeRanking: Ranked[];
    departmentRanking: Ranked[];
    provinceTrend: Evaluation[];
    province: { code: string; name: string; departments: { code: string; name: string }[] } | null;
  }>();
  const [communeNames, setCommuneNames] = useState(new Map<string, string>());
  const [commune, setCommune] = useState<{
    commune: { code: string; name: string; evaluation: Evaluation & { indicators: Indicator[] } } | null;
    communeTrend: Evaluation[];
  }>();
  const [versions, setVersions] = useState({ ranking: 0, province: 0, commune: 0, dossiers: 0 });
  const [status, setStatus] = useState<{ live: LiveStatus; detail?: string }>({ live: 'connecting' });
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const [purpose, setPurpose] = useState('');
  const [officer, setOfficer] = useState<{ token: string; purpose: string } | null>(null);
  const [dossiers, setDossiers] = useState<{ rows: DossierRow[]; total: number; error?: string }>();
  const screen = useRef({ period, provinceCode, communeCode });
  screen.current = { period, provinceCode, communeCode };

  useEffect(() => writeUrl(period, provinceCode, communeCode), [period, provinceCode, communeCode]);

  useEffect(() => {
    graphql<{ provinces: { code: string; name: string }[] }>(NAMES, {})
      .then((d) => setNames(new Map(d.provinces.map((p) => [p.code, p.name]))))
      .catch((e: Error) => setError(e.message));
    if (!period) latestEvaluatedMonth().then(setPeriod, (e: Error) => setError(e.message));
  }, []);

  useEffect(() => {
    if (!period) return;
    graphql<NonNullable<typeof ranking>>(PROVINCE_RANKING, { period, year: period.year })
      .then((d) => {
        setRanking(d);
        setUpdatedAt(new Date());
      })
      .catch((e: Error) => setError(e.message));
  }, [period, versions.ranking]);

  useEffect(() => {
    if (!period || !provinceCode) return setProvince(undefined);
    graphql<NonNullable<typeof province>>(PROVINCE_DETAIL, { code: provinceCode, unit: provinceCode, period, year: period.year })
      .then(setProvince)
      .catch((e: Error) => setError(e.message));
  }, [period, provinceCode, versions.province]);

  useEffect(() => {
    if (!provinceCode) return;
    let cancelled = false;
    (async () => {
      const found = new Map<string, string>();
      let after: string | null = null;
      for (;;) {
        const page: {
          communes: { edges: { node: { code: string; name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
        } = await graphql(COMMUNE_NAMES, { code: provinceCode, after });
        for (const { node } of page.communes.edges) found.set(node.code, node.name);
        if (!page.communes.pageInfo.hasNextPage || !page.communes.pageInfo.endCursor) break;
        after = page.communes.pageInfo.endCursor;
      }
      if (!cancelled) setCommuneNames(found);
    })().catch((e: Error) => setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [provinceCode]);

  useEffect(() => {
    if (!period || !communeCode) return setCommune(undefined);
    graphql<NonNullable<typeof commune>>(COMMUNE_DETAIL, { code: communeCode, unit: communeCode, period, year: period.year })
      .then(setCommune)
      .catch((e: Error) => setError(e.message));
  }, [period, communeCode, versions.commune]);

  useEffect(() => {
    if (!officer || !communeCode) return setDossiers(undefined);
    let cancelled = false;
    (async () => {
      const rows: DossierRow[] = [];
      let after: string | null = null;
      let total = 0;
      // The list is ordered by number, not due date: read it whole (a commune's open dossiers are few) and sort here.
      for (let pages = 0; pages < 20; pages++) {
        const page: DossierPage = await graphql(
          COMMUNE_DOSSIERS,
          { code: communeCode, after },
          credentialHeaders(officer.token, officer.purpose),
        );
        if (!page.commune) break;
        total = page.commune.dossiers.totalCount;
        rows.push(...page.commune.dossiers.edges.map((e) => e.node));
        if (!page.commune.dossiers.pageInfo.hasNextPage) break;
        after = page.commune.dossiers.pageInfo.endCursor;
      }
      if (!cancelled) setDossiers({ rows, total });
    })().catch((e: Error) => !cancelled && setDossiers({ rows: [], total: 0, error: e.message }));
    return () => {
      cancelled = true;
    };
  }, [officer, communeCode, versions.dossiers]);

  // Live: one public subscription to every evaluation change; each burst of events re-reads only what it made stale.
  const client = useMemo(
    () =>
      createLive(
        () => ({}),
        (live, detail) => setStatus({ live, ...(detail ? { detail } : {}) }),
      ),
    [],
  );
  useEffect(() => {
    const onEvents = debounce<EvaluationChangeKeys>(250, (events) => {
      const { period: p, provinceCode: pc, communeCode: cc } = screen.current;
      if (!p) return;
      const stale = staleViews(events, { period: p, provinceCode: pc, communeCode: cc });
      setVersions((v) => ({
        ranking: v.ranking + (stale.ranking || stale.trends ? 1 : 0),
        province: v.province + (stale.province ? 1 : 0),
        commune: v.commune + (stale.commune ? 1 : 0),
        dossiers: v.dossiers,
      }));
    });
    const stop = subscribe<{ evaluationChanged: EvaluationChangeKeys }>(
      client,
      EVALUATION_CHANGED,
      {},
      (data) => onEvents(data.evaluationChanged),
      (live, detail) => setStatus({ live, detail }),
    );
    return () => {
      stop();
      client.dispose();
    };
  }, [client]);

  // The officer's subscription carries their token and purpose: the hub delivers only what they may read.
  useEffect(() => {
    if (!officer || !communeCode) return undefined;
    const officerClient = createLive(
      () => credentialHeaders(officer.token, officer.purpose),
      () => undefined,
    );
    const refresh = debounce<unknown>(250, () => setVersions((v) => ({ ...v, dossiers: v.dossiers + 1 })));
    const stop = subscribe(officerClient, COMMUNE_DOSSIER_CHANGED, { code: communeCode }, refresh, () => undefined);
    return () => {
      stop();
      officerClient.dispose();
    };
  }, [officer, communeCode]);

  const changedProvinces = useChanged(ranking?.provinceRanking);
  const changedCommunes = useChanged(province?.communeRanking);
  const pickProvince = useCallback((code: string) => {
    setProvinceCode(code);
    setCommuneCode(null);
    setOfficer(null);
  }, []);
  const pickCommune = useCallback((code: string) => {
    setCommuneCode(code);
    setOfficer(null);
  }, []);

  const order = useMemo(
    () => (ranking?.provinceRanking ?? []).map((r) => names.get(r.evaluation.unitCode) ?? r.evaluation.unitCode),
    [ranking, names],
  );
  const groupsChart = useMemo(() => groupsSpec(order), [order]);
  const groupsData = useMemo(
    () =>
      groupBars(
        (ranking?.provinceRanking ?? []).map((r) => ({
          unit: names.get(r.evaluation.unitCode) ?? r.evaluation.unitCode,
          evaluation: r.evaluation,
        })),
      ),
    [ranking, names],
  );
  const provinceName = provinceCode ? (names.get(provinceCode) ?? provinceCode) : null;
  const trendData = useMemo(
    () => [
      ...trendRows('Toàn quốc · Nation', ranking?.nationalTrend ?? []),
      ...(provinceName && province ? trendRows(provinceName, province.provinceTrend) : []),
    ],
    [ranking, province, provinceName],
  );
  const departmentNames = useMemo(() => new Map((province?.province?.departments ?? []).map((d) => [d.code, d.name])), [province]);
  const communeTrendData = useMemo(
    () => (commune ? groupBars(commune.communeTrend.map((evaluation) => ({ unit: '', evaluation }))) : []),
    [commune],
  );
  const claims = readClaims(token);
  const buckets = dossiers ? dueBuckets(dossiers.rows, new Date()) : null;
  const label = period ? periodLabel(period) : null;

  return (
    <>
      <header>
        <div>
          <h1>
            Chỉ số phục vụ người dân, doanh nghiệp <span className="en">Service index — Decision 766/QĐ-TTg</span>
          </h1>
          <p className="lead">
            34 tỉnh, thành phố · xã, phường, đặc khu · sở, ngành <span className="en">34 provinces, their communes and departments</span>
          </p>
        </div>
        <div className="controls">
          {period && <PeriodPicker period={period} onChange={setPeriod} />}
          <p className={`live live-${status.live}`} data-live-status={status.live} title={status.detail}>
            {status.live === 'live' && <L vi="● Trực tuyến" en="live updates" />}
            {status.live === 'connecting' && <L vi="○ Đang kết nối" en="connecting" />}
            {status.live === 'retrying' && <L vi="○ Đang kết nối lại" en="reconnecting" />}
            {status.live === 'unavailable' && <L vi="Không có cập nhật trực tiếp" en="live updates unavailable" />}
            {status.live === 'failed' && <L vi="Mất cập nhật trực tiếp" en="live updates stopped" />}
            {updatedAt && (
              <small>
                {' '}
                · cập nhật <span className="en">updated</span> {updatedAt.toLocaleTimeString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' })}
              </small>
            )}
          </p>
        </div>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <main>
        <Section
          id="nation"
          title={{ vi: `Xếp hạng 34 tỉnh, thành phố — ${label?.vi ?? ''}`, en: `Province ranking — ${label?.en ?? ''}` }}
        >
          {ranking ? (
            <>
              <p className="summary" data-national-score>
                <L vi="Toàn quốc" en="Nation" />: <strong>{scoreText(ranking.nationalEvaluation)}</strong> / 100 ·{' '}
                {ranking.nationalEvaluation.dossiersReceived.toLocaleString('vi-VN')} <L vi="hồ sơ" en="dossiers" /> ·{' '}
                <L vi="đúng hạn" en="on time" /> {onTimeText(ranking.nationalEvaluation)}
              </p>
              <div className="columns">
                <RankingTable
                  rows={ranking.provinceRanking}
                  names={names}
                  kind="province"
                  selected={provinceCode}
                  onPick={pickProvince}
                  changed={changedProvinces}
                />
                <div className="charts">
                  <h3>
                    <L vi={`Xu hướng theo tháng ${period?.year ?? ''}`} en="Monthly trend" />
                  </h3>
                  <Chart spec={TREND_SPEC} rows={trendData} label="Xu hướng điểm theo tháng · monthly score trend" />
                  <h3>
                    <L vi="Điểm theo nhóm tiêu chí" en="Points by group" />
                  </h3>
                  <Chart spec={groupsChart} rows={groupsData} label="Điểm theo nhóm · points by group" />
                </div>
              </div>
            </>
          ) : (
            <p className="loading">Đang tải… / Loading…</p>
          )}
        </Section>
        {provinceCode && (
          <Section id="province" title={{ vi: `${provinceName ?? ''}: xã và sở, ngành`, en: 'communes and departments ranked' }}>
            {province ? (
              <div className="columns">
                <div>
                  <h3>
                    <L vi="Xếp hạng xã, phường, đặc khu" en="Communes" /> ({province.communeRanking.length})
                  </h3>
                  <RankingTable
                    rows={province.communeRanking}
                    names={communeNames}
                    kind="commune"
                    selected={communeCode}
                    onPick={pickCommune}
                    changed={changedCommunes}
                  />
                </div>
                <div>
                  <h3>
                    <L vi="Xếp hạng sở, ngành" en="Departments" /> ({province.departmentRanking.length})
                  </h3>
                  <RankingTable rows={province.departmentRanking} names={departmentNames} kind="department" changed={new Set()} />
                </div>
              </div>
            ) : (
              <p className="loading">Đang tải… / Loading…</p>
            )}
          </Section>
        )}
        {communeCode && commune?.commune && (
          <Section id="commune" title={{ vi: `${commune.commune.name}: chỉ số`, en: 'indicators' }}>
            <p className="summary" data-commune-score>
              <L vi="Điểm" en="Score" />: <strong>{scoreText(commune.commune.evaluation)}</strong> / 100 ·{' '}
              {commune.commune.evaluation.dossiersReceived} <L vi="hồ sơ" en="dossiers" /> · <L vi="đúng hạn" en="on time" />{' '}
              {onTimeText(commune.commune.evaluation)}
            </p>
            <div className="columns">
              <table className="indicators">
                <thead>
                  <tr>
                    <th className="name">
                      <L vi="Chỉ số" en="Indicator" />
                    </th>
                    <th>
                      <L vi="Tỷ lệ" en="Rate" />
                    </th>
                    <th>
                      <L vi="Ngưỡng" en="Threshold" />
                    </th>
                    <th>
                      <L vi="Điểm" en="Points" />
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {commune.commune.evaluation.indicators.map((i) => (
                    <tr key={i.code} data-indicator={i.code}>
                      <td className="name">
                        {i.name} <small className="en">{GROUPS.find((g) => g.code === i.group)?.en}</small>
                      </td>
                      <td>
                        {percent(i.rate)}{' '}
                        <small>
                          ({i.numerator}/{i.denominator})
                        </small>
                      </td>
                      <td>{percent(i.threshold)}</td>
                      <td>
                        {i.points.toFixed(2)} / {i.maxPoints}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="charts">
                <h3>
                  <L vi={`Xu hướng theo tháng ${period?.year ?? ''}`} en="Monthly trend by group" />
                </h3>
                <Chart spec={GROUP_TREND_SPEC} rows={communeTrendData} label="Xu hướng điểm của xã · the commune's trend" />
              </div>
            </div>
            <OfficerPanel
              token={token}
              purpose={purpose}
              setToken={setToken}
              setPurpose={setPurpose}
              claims={claims}
              onShow={() => setOfficer({ token, purpose })}
            />
            {officer && dossiers?.error && (
              <p className="error" role="alert">
                {dossiers.error}
              </p>
            )}
            {officer && buckets && !dossiers?.error && (
              <div className="columns">
                <DossierList id="overdue" title={{ vi: `Quá hạn (${buckets.overdue.length})`, en: 'Overdue' }} rows={buckets.overdue} />
                <DossierList
                  id="due-today"
                  title={{ vi: `Đến hạn hôm nay (${buckets.dueToday.length})`, en: 'Due today' }}
                  rows={buckets.dueToday}
                />
              </div>
            )}
          </Section>
        )}
      </main>
      <footer>
        <L vi="Dữ liệu tổng hợp, không có dữ liệu cá nhân" en="Aggregates, no personal data" /> ·{' '}
        <a href="../explorer/">GraphQL explorer</a>
      </footer>
    </>
  );
}

function PeriodPicker({ period, onChange }: { period: Period; onChange: (p: Period) => void }) {
  const kind = PERIOD_KINDS.find((k) => k.kind === period.kind)!;
  return (
    <form className="period" onSubmit={(e) => e.preventDefault()}>
      <label>
        <L vi="Kỳ" en="Period" />{' '}
        <select
          name="kind"
          value={period.kind}
          onChange={(e) => onChange({ kind: e.target.value as Period['kind'], year: period.year, index: 1 })}
        >
          {PERIOD_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.vi} · {k.en}
            </option>
          ))}
        </select>
      </label>
      {kind.count > 1 && (
        <select name="index" value={period.index} onChange={(e) => onChange({ ...period, index: Number(e.target.value) })}>
          {Array.from({ length: kind.count }, (_, i) => (
            <option key={i + 1} value={i + 1}>
              {i + 1}
            </option>
          ))}
        </select>
      )}
      <input
        name="year"
        type="number"
        min={2020}
        max={2100}
        value={period.year}
        onChange={(e) => Number(e.target.value) >= 2020 && onChange({ ...period, year: Number(e.target.value) })}
      />
    </form>
  );
}

function OfficerPanel(props: {
  token: string;
  purpose: string;
  setToken: (t: string) => void;
  setPurpose: (p: string) => void;
  claims: Record<string, unknown> | null;
  onShow: () => void;
}) {
  return (
    <form
      className="officer"
      onSubmit={(e) => {
        e.preventDefault();
        props.onShow();
      }}
    >
      <h3>
        <L vi="Hồ sơ quá hạn, đến hạn (cán bộ)" en="Overdue and due-today dossiers (officers)" />
      </h3>
      <label>
        <L vi="Mã truy cập" en="Token" />
        <textarea name="token" rows={2} value={props.token} onChange={(e) => props.setToken(e.target.value)} spellCheck={false} />
      </label>
      <label>
        <L vi="Mục đích" en="Purpose" />
        <input name="purpose" value={props.purpose} onChange={(e) => props.setPurpose(e.target.value)} placeholder="HS-2026-000123" />
      </label>
      <button type="submit" disabled={!props.token.trim()}>
        <L vi="Xem hồ sơ" en="Show dossiers" />
      </button>
      {props.claims && (
        <small className="claims">
          {String(props.claims.role ?? '')} {String(props.claims.commune ?? props.claims.province ?? '')}
        </small>
      )}
      <small>
        <L vi="Không lưu lại: tải lại trang là quên." en="Nothing is stored: a reload forgets them." />
      </small>
    </form>
  );
}

function DossierList({ id, title, rows }: { id: string; title: { vi: string; en: string }; rows: DossierRow[] }) {
  return (
    <div data-dossiers={id}>
      <h3>
        <L {...title} />
      </h3>
      {rows.length === 0 ? (
        <p className="empty">Không có · none</p>
      ) : (
        <table className="dossiers">
          <thead>
            <tr>
              <th>
                <L vi="Số hồ sơ" en="Number" />
              </th>
              <th className="name">
                <L vi="Thủ tục" en="Procedure" />
              </th>
              <th>
                <L vi="Hẹn trả" en="Due" />
              </th>
              <th>
                <L vi="Trạng thái" en="Status" />
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.number} data-dossier={d.number}>
                <td>{d.number}</td>
                <td className="name">{d.procedure.name}</td>
                <td>{time(d.dueAt)}</td>
                <td>{d.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

createRoot(document.getElementById('dashboard')!).render(<Dashboard />);
