/**
 * KPI reports over a period, computed in PostgreSQL: SLA compliance, time in each stage, customer
 * satisfaction, successful resolution, and complaint volumes. Every figure is an aggregate in SQL;
 * the code here only shapes rows into the report. All sections read one snapshot (a read-only,
 * repeatable-read transaction), so the figures of one report agree with each other.
 *
 * The period is half-open, [from, to). Dates are whole days in the company's time zone.
 * The indexes these filters use are listed in migrations/0006_report_indexes.ts.
 */
import { sql, type RawBuilder } from 'kysely';
import { CATEGORIES, STAGES, FINAL_STAGES, type Category } from '../workflows/model.js';
import { CLOCK_KINDS } from '../workflows/rules/sla-policy.js';
import type { Db } from './connect.js';

/** The company's zone: days, weeks and months of a report are counted here. */
export const COMPANY_TIME_ZONE = 'Asia/Shanghai';
export const REPORT_INTERVALS = ['day', 'week', 'month'] as const;
export type ReportInterval = (typeof REPORT_INTERVALS)[number];
/** Complaints not yet assessed have no category; reports list them under this name. */
export const UNASSESSED = 'unassessed';
/** Service targets of the domain brief, in percent. */
export const SERVICE_TARGETS = { satisfaction: 90, successfulResolution: 90, answersCorrect: 95 } as const;

const OPEN_STAGES: readonly string[] = STAGES.filter((s) => !FINAL_STAGES.includes(s));

export interface ReportFilters {
  category?: Category;
  /** Matched normalised (trimmed, single spaces, upper case), like product holds. */
  model?: string;
  lot?: string;
}

export interface KpiQuery extends ReportFilters {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  interval: ReportInterval;
}

/** A period bound as sent: a whole day in the company's zone, or an instant. */
export type PeriodBound = { date: string } | { instant: string };

/** [from, to): a `from` date starts at its local midnight; a `to` date ends at the next one (the day is included). */
export async function resolvePeriod(db: Db, from: PeriodBound, to: PeriodBound): Promise<{ from: Date; to: Date }> {
  const start = 'date' in from ? sql<Date>`(${from.date}::date)::timestamp at time zone ${COMPANY_TIME_ZONE}` : sql<Date>`${from.instant}::timestamptz`;
  const end = 'date' in to ? sql<Date>`(${to.date}::date + 1)::timestamp at time zone ${COMPANY_TIME_ZONE}` : sql<Date>`${to.instant}::timestamptz`;
  const { rows } = await sql<{ from: Date; to: Date }>`select ${start} as "from", ${end} as "to"`.execute(db);
  return rows[0];
}

// ---- Definitions, as the report states them ----------------------------------------------------

export const DEFINITIONS = {
  period: `[from, to): from inclusive, to exclusive. A date is a whole day in ${COMPANY_TIME_ZONE}: from=2026-03-02 starts at 2026-03-02T00:00+08:00, to=2026-03-15 ends at 2026-03-16T00:00+08:00.`,
  sla:
    'SLA clocks decided in the period, counted in the period in which their outcome was decided: met on time -> when met; breached -> when it fell due ' +
    '(a breach is dated at the due time, also when the action came later); still running past its due time (breach not yet recorded) -> breached, at its due time; ' +
    'cancelled (the case was closed or withdrawn first) -> when cancelled, counted apart. Clocks running and not yet due, and paused clocks, are not counted. ' +
    'compliancePercent = met / (met + breached) x 100, one decimal; null when no clock was met or breached. Category: the complaint\'s current one.',
  stages:
    'A stay in a stage runs from the stage.changed event that entered it (the receipt, for intake) to the one that left it, in elapsed time (not working time). ' +
    'A stay counts in the period in which the complaint left the stage; a complaint in a stage twice (reopened) counts two stays. ' +
    'median and p90 are continuous percentiles (linear interpolation, like PERCENTILE.INC); null when there was no stay.',
  feedback:
    'Feedback answers (feedback.recorded) given in the period: ratePercent = answers satisfied / all answers x 100. Every answer counts, ' +
    'a dissatisfied one that reopened the case too. averageScore: mean of the 1-5 scores. Percentages null when there was no answer.',
  revisit:
    'Revisits (revisit.recorded) done in the period: averageScore of the 1-5 scores; satisfiedPercent = visits scoring 4 or 5; ' +
    'deviceWorkingPercent and solvedAtRootPercent = visits saying so. Null when there was no visit.',
  resolution:
    'Complaints closed in the period (stage closed, closed_at in the period; withdrawn ones are counted apart, not as closed). ' +
    'Successfully resolved: the last feedback answer on the complaint (whenever given) said satisfied and no reopening followed it; ' +
    'a case closed without feedback (the legal route) is not. successRatePercent = successfully resolved / closed x 100; ' +
    'reopenRatePercent = closed complaints reopened at least once (reopen_count > 0) / closed x 100. Null when none closed.',
  volume:
    `Complaints received in the period (received_at), by current category ('${UNASSESSED}' before assessment), by device model and lot ` +
    `(normalised: trimmed, single spaces, upper case), and per day, week (Monday first) or month in ${COMPANY_TIME_ZONE}. ` +
    'A bucket is named by its first local day and counts only what falls inside the period.',
  targets: 'Service targets of the domain brief beside the figures: met = value >= target; false when there is no value.',
  answersCorrect: 'Answers correct (target 95 %) is not measured: the desk records no check of its answers yet.',
} as const;

// ---- The report --------------------------------------------------------------------------------

export interface OutcomeCounts {
  met: number;
  breached: number;
  cancelled: number;
  /** met + breached */
  decided: number;
  compliancePercent: number | null;
}

export interface StageTime {
  stage: string;
  stays: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  medianHours: number | null;
  p90Hours: number | null;
}

export interface Target {
  value: number | null;
  target: number;
  met: boolean;
  definition: string;
}

export interface KpiReport {
  period: { from: string; to: string; timeZone: string; interval: ReportInterval; definition: string };
  filters: { category: string | null; model: string | null; lot: string | null };
  targets: { satisfaction: Target; successfulResolution: Target; answersCorrect: Target & { measured: false } };
  sla: {
    definition: string;
    overall: OutcomeCounts;
    byCategory: Array<{ category: string } & OutcomeCounts>;
    byKind: Array<{ kind: string } & OutcomeCounts>;
    byCategoryAndKind: Array<{ category: string; kind: string } & OutcomeCounts>;
  };
  stages: { definition: string; items: StageTime[] };
  satisfaction: {
    feedback: { definition: string; answers: number; satisfied: number; ratePercent: number | null; averageScore: number | null };
    revisit: {
      definition: string;
      visits: number;
      averageScore: number | null;
      satisfiedPercent: number | null;
      deviceWorkingPercent: number | null;
      solvedAtRootPercent: number | null;
    };
  };
  resolution: {
    definition: string;
    closed: number;
    successful: number;
    successRatePercent: number | null;
    reopened: number;
    reopenRatePercent: number | null;
    withdrawn: number;
  };
  volume: {
    definition: string;
    received: number;
    byCategory: Array<{ category: string; received: number }>;
    byModelLot: Array<{ model: string | null; lot: string | null; received: number }>;
    overTime: Array<{ start: string; received: number }>;
  };
}

export async function kpiReport(db: Db, q: KpiQuery): Promise<KpiReport> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const sla = await slaCompliance(trx, q);
      const stages = await timeInStage(trx, q);
      const satisfaction = await customerSatisfaction(trx, q);
      const resolution = await resolutionSuccess(trx, q);
      const volume = await complaintVolume(trx, q);
      return {
        period: { from: q.from.toISOString(), to: q.to.toISOString(), timeZone: COMPANY_TIME_ZONE, interval: q.interval, definition: DEFINITIONS.period },
        filters: { category: q.category ?? null, model: q.model ?? null, lot: q.lot ?? null },
        targets: {
          satisfaction: target(satisfaction.feedback.ratePercent, SERVICE_TARGETS.satisfaction, satisfaction.feedback.satisfied, satisfaction.feedback.answers, DEFINITIONS.feedback),
          successfulResolution: target(resolution.successRatePercent, SERVICE_TARGETS.successfulResolution, resolution.successful, resolution.closed, DEFINITIONS.resolution),
          answersCorrect: { value: null, target: SERVICE_TARGETS.answersCorrect, met: false, measured: false, definition: DEFINITIONS.answersCorrect },
        },
        sla,
        stages,
        satisfaction,
        resolution,
        volume,
      };
    });
}

/** Met is judged on the exact counts, not the rounded percentage (89.96 % does not meet 90 %). */
function target(value: number | null, goal: number, hits: number, all: number, definition: string): Target {
  return { value, target: goal, met: all > 0 && hits * 100 >= goal * all, definition };
}

// ---- SQL building blocks -----------------------------------------------------------------------

/**
 * The normalised device key (trimmed, single spaces, upper case); the same expression is indexed
 * (migration 0007), so it stays as it is. The SQL twin of workflows/ids.ts `normaliseLotKey`, with
 * PostgreSQL's own edges: btrim trims spaces only, upper() follows the database's locale.
 */
const deviceKey = (value: RawBuilder<unknown> | string) => sql<string>`upper(regexp_replace(btrim(${value}), '\\s+', ' ', 'g'))`;

/** The complaints a report covers (alias `c`): the filters, each an indexed column or expression. */
export function complaintScope(f: ReportFilters): RawBuilder<boolean> {
  const conditions: RawBuilder<unknown>[] = [];
  if (f.category) conditions.push(sql`c.category = ${f.category}`);
  if (f.model) conditions.push(sql`${deviceKey(sql.ref('c.device_model'))} = ${deviceKey(f.model)}`);
  if (f.lot) conditions.push(sql`${deviceKey(sql.ref('c.device_lot'))} = ${deviceKey(f.lot)}`);
  return conditions.length ? sql<boolean>`(${sql.join(conditions, sql` and `)})` : sql<boolean>`true`;
}

/** `column` within [from, to). */
const inPeriod = (column: string, q: KpiQuery) => sql<boolean>`(${sql.ref(column)} >= ${q.from}::timestamptz and ${sql.ref(column)} < ${q.to}::timestamptz)`;

/** The categories a report lists (all of them, with zeros, unless one is asked for). */
const reportCategories = (q: KpiQuery): string[] => (q.category ? [q.category] : [...CATEGORIES, UNASSESSED]);

/** round(100 × part / whole, 1), null when whole is 0. */
const percent = (part: string, whole: string) => sql<number | null>`round(100.0 * ${sql.ref(part)} / nullif(${sql.ref(whole)}, 0), 1)::float8`;

// ---- SLA compliance ----------------------------------------------------------------------------

interface ComplianceRow {
  category: string | null;
  kind: string | null;
  all_categories: number;
  all_kinds: number;
  met: number;
  breached: number;
  cancelled: number;
  decided: number;
  compliance_percent: number | null;
}

async function slaCompliance(db: Db, q: KpiQuery): Promise<KpiReport['sla']> {
  const { rows } = await sql<ComplianceRow>`
    with decided_clocks as (
      -- One row per clock whose outcome was decided in the period, dated when it was decided.
      select coalesce(c.category, ${UNASSESSED}) as category,
             k.kind,
             case k.status when 'met' then 'met' when 'cancelled' then 'cancelled' else 'breached' end as outcome
      from sla_clocks k
      join complaints c on c.id = k.complaint_id
      where (   (k.status = 'met'       and ${inPeriod('k.met_at', q)})        -- met on time: when met
             or (k.status = 'breached'  and ${inPeriod('k.breached_at', q)})   -- breach: at the due time
             or (k.status = 'running'   and ${inPeriod('k.due_at', q)} and k.due_at <= now())  -- overdue, breach not yet recorded
             or (k.status = 'cancelled' and ${inPeriod('k.cancelled_at', q)})) -- case ended first
        and ${complaintScope(q)}
    ),
    report_categories as (select unnest(${reportCategories(q)}::text[]) as category),
    clock_kinds as (select unnest(${[...CLOCK_KINDS]}::text[]) as kind),
    report_grid as (select category, kind from report_categories cross join clock_kinds),
    outcome_counts as (
      select g.category, g.kind,
             grouping(g.category)::int as all_categories,
             grouping(g.kind)::int as all_kinds,
             count(*) filter (where d.outcome = 'met')::int as met,
             count(*) filter (where d.outcome = 'breached')::int as breached,
             count(*) filter (where d.outcome = 'cancelled')::int as cancelled
      from report_grid g
      left join decided_clocks d on d.category = g.category and d.kind = g.kind
      group by grouping sets ((g.category, g.kind), (g.category), (g.kind), ())
    )
    select counted.*, ${percent('met', 'decided')} as compliance_percent
    from (select *, met + breached as decided from outcome_counts) counted
    order by all_categories, all_kinds,
             array_position(${reportCategories(q)}::text[], category),
             array_position(${[...CLOCK_KINDS]}::text[], kind)
  `.execute(db);
  const counts = (r: ComplianceRow): OutcomeCounts => ({
    met: r.met,
    breached: r.breached,
    cancelled: r.cancelled,
    decided: r.decided,
    compliancePercent: r.compliance_percent,
  });
  const overall = rows.find((r) => r.all_categories && r.all_kinds)!;
  return {
    definition: DEFINITIONS.sla,
    overall: counts(overall),
    byCategory: rows.filter((r) => !r.all_categories && r.all_kinds).map((r) => ({ category: r.category!, ...counts(r) })),
    byKind: rows.filter((r) => r.all_categories && !r.all_kinds).map((r) => ({ kind: r.kind!, ...counts(r) })),
    byCategoryAndKind: rows.filter((r) => !r.all_categories && !r.all_kinds).map((r) => ({ category: r.category!, kind: r.kind!, ...counts(r) })),
  };
}

// ---- Time in stage -----------------------------------------------------------------------------

interface StageRow {
  stage: string;
  stays: number;
  median_seconds: number | null;
  p90_seconds: number | null;
}

async function timeInStage(db: Db, q: KpiQuery): Promise<KpiReport['stages']> {
  const { rows } = await sql<StageRow>`
    with moved_in_period as (
      -- Complaints that left some stage in the period.
      select distinct e.complaint_id
      from complaint_events e
      join complaints c on c.id = e.complaint_id
      where e.action = 'stage.changed' and ${inPeriod('e.at', q)} and ${complaintScope(q)}
    ),
    stage_moves as (
      -- Each move leaves data.from; the stay began at the move before it (intake: at receipt).
      select e.complaint_id,
             e.data ->> 'from' as stage,
             e.at as left_at,
             coalesce(lag(e.at) over (partition by e.complaint_id order by e.seq), c.received_at) as entered_at
      from complaint_events e
      join complaints c on c.id = e.complaint_id
      where e.action = 'stage.changed' and e.complaint_id in (select complaint_id from moved_in_period)
    ),
    stays as (
      select stage, extract(epoch from left_at - entered_at)::float8 as seconds
      from stage_moves
      where ${inPeriod('left_at', q)}
    ),
    open_stages as (select * from unnest(${OPEN_STAGES}::text[]) with ordinality as s(stage, ord))
    select s.stage,
           count(t.seconds)::int as stays,
           percentile_cont(0.5) within group (order by t.seconds) as median_seconds,
           percentile_cont(0.9) within group (order by t.seconds) as p90_seconds
    from open_stages s
    left join stays t on t.stage = s.stage
    group by s.stage, s.ord
    order by s.ord
  `.execute(db);
  const seconds = (v: number | null) => (v === null ? null : Math.round(v));
  const hours = (v: number | null) => (v === null ? null : Math.round((v / 3600) * 100) / 100);
  return {
    definition: DEFINITIONS.stages,
    items: rows.map((r) => ({
      stage: r.stage,
      stays: r.stays,
      medianSeconds: seconds(r.median_seconds),
      p90Seconds: seconds(r.p90_seconds),
      medianHours: hours(r.median_seconds),
      p90Hours: hours(r.p90_seconds),
    })),
  };
}

// ---- Customer satisfaction ---------------------------------------------------------------------

interface SatisfactionRow {
  answers: number;
  satisfied: number;
  rate_percent: number | null;
  average_score: number | null;
  visits: number;
  revisit_average_score: number | null;
  revisit_satisfied_percent: number | null;
  device_working_percent: number | null;
  solved_at_root_percent: number | null;
}

async function customerSatisfaction(db: Db, q: KpiQuery): Promise<KpiReport['satisfaction']> {
  const { rows } = await sql<SatisfactionRow>`
    with feedback_answers as (
      select (e.data ->> 'satisfied')::boolean as satisfied, (e.data ->> 'score')::numeric as score
      from complaint_events e
      join complaints c on c.id = e.complaint_id
      where e.action = 'feedback.recorded' and ${inPeriod('e.at', q)} and ${complaintScope(q)}
    ),
    revisits as (
      select (e.data ->> 'score')::numeric as score,
             (e.data ->> 'deviceWorking')::boolean as device_working,
             (e.data ->> 'solvedAtRoot')::boolean as solved_at_root
      from complaint_events e
      join complaints c on c.id = e.complaint_id
      where e.action = 'revisit.recorded' and ${inPeriod('e.at', q)} and ${complaintScope(q)}
    ),
    feedback_summary as (
      select count(*)::int as answers,
             count(*) filter (where satisfied)::int as satisfied,
             round(avg(score), 2)::float8 as average_score
      from feedback_answers
    ),
    revisit_summary as (
      select count(*)::int as visits,
             round(avg(score), 2)::float8 as revisit_average_score,
             count(*) filter (where score >= 4)::int as satisfied_visits,
             count(*) filter (where device_working)::int as device_working,
             count(*) filter (where solved_at_root)::int as solved_at_root
      from revisits
    )
    select f.answers, f.satisfied, ${percent('f.satisfied', 'f.answers')} as rate_percent, f.average_score,
           r.visits, r.revisit_average_score,
           ${percent('r.satisfied_visits', 'r.visits')} as revisit_satisfied_percent,
           ${percent('r.device_working', 'r.visits')} as device_working_percent,
           ${percent('r.solved_at_root', 'r.visits')} as solved_at_root_percent
    from feedback_summary f cross join revisit_summary r
  `.execute(db);
  const r = rows[0];
  return {
    feedback: { definition: DEFINITIONS.feedback, answers: r.answers, satisfied: r.satisfied, ratePercent: r.rate_percent, averageScore: r.average_score },
    revisit: {
      definition: DEFINITIONS.revisit,
      visits: r.visits,
      averageScore: r.revisit_average_score,
      satisfiedPercent: r.revisit_satisfied_percent,
      deviceWorkingPercent: r.device_working_percent,
      solvedAtRootPercent: r.solved_at_root_percent,
    },
  };
}

// ---- Resolution success ------------------------------------------------------------------------

interface ResolutionRow {
  closed: number;
  successful: number;
  success_rate_percent: number | null;
  reopened: number;
  reopen_rate_percent: number | null;
  withdrawn: number;
}

async function resolutionSuccess(db: Db, q: KpiQuery): Promise<KpiReport['resolution']> {
  const { rows } = await sql<ResolutionRow>`
    with closed_complaints as (
      select c.id, c.reopen_count
      from complaints c
      where c.stage = 'closed' and ${inPeriod('c.closed_at', q)} and ${complaintScope(q)}
    ),
    last_feedback as (
      -- The customer's last word on each closed complaint, whenever it was given.
      select distinct on (e.complaint_id) e.complaint_id, e.seq, (e.data ->> 'satisfied')::boolean as satisfied
      from complaint_events e
      where e.action = 'feedback.recorded' and e.complaint_id in (select id from closed_complaints)
      order by e.complaint_id, e.seq desc
    ),
    successful_resolutions as (
      select f.complaint_id
      from last_feedback f
      where f.satisfied
        and not exists (
          select 1 from complaint_events r
          where r.complaint_id = f.complaint_id and r.seq > f.seq
            and r.action = 'stage.changed' and r.data ? 'reopen')
    ),
    resolution_counts as (
      select count(*)::int as closed,
             count(s.complaint_id)::int as successful,
             count(*) filter (where cc.reopen_count > 0)::int as reopened
      from closed_complaints cc
      left join successful_resolutions s on s.complaint_id = cc.id
    ),
    withdrawals as (
      select count(*)::int as withdrawn
      from complaints c
      where c.stage = 'withdrawn' and ${inPeriod('c.closed_at', q)} and ${complaintScope(q)}
    )
    select r.closed, r.successful, ${percent('r.successful', 'r.closed')} as success_rate_percent,
           r.reopened, ${percent('r.reopened', 'r.closed')} as reopen_rate_percent,
           w.withdrawn
    from resolution_counts r cross join withdrawals w
  `.execute(db);
  const r = rows[0];
  return {
    definition: DEFINITIONS.resolution,
    closed: r.closed,
    successful: r.successful,
    successRatePercent: r.success_rate_percent,
    reopened: r.reopened,
    reopenRatePercent: r.reopen_rate_percent,
    withdrawn: r.withdrawn,
  };
}

// ---- Complaint volume --------------------------------------------------------------------------

async function complaintVolume(db: Db, q: KpiQuery): Promise<KpiReport['volume']> {
  const received = sql`
    select c.*
    from complaints c
    where ${inPeriod('c.received_at', q)} and ${complaintScope(q)}`;

  const byCategory = await sql<{ category: string; received: number; all_received: number }>`
    with received_complaints as (${received}),
    report_categories as (select * from unnest(${reportCategories(q)}::text[]) with ordinality as r(category, ord))
    select r.category, count(rc.id)::int as received, (sum(count(rc.id)) over ())::int as all_received
    from report_categories r
    left join received_complaints rc on coalesce(rc.category, ${UNASSESSED}) = r.category
    group by r.category, r.ord
    order by r.ord
  `.execute(db);

  const byModelLot = await sql<{ model: string | null; lot: string | null; received: number }>`
    with received_complaints as (${received})
    select ${deviceKey(sql.ref('device_model'))} as model, ${deviceKey(sql.ref('device_lot'))} as lot, count(*)::int as received
    from received_complaints
    group by 1, 2
    order by received desc, model nulls last, lot nulls last
  `.execute(db);

  const overTime = await sql<{ start: string; received: number }>`
    with period_buckets as (
      select generate_series(
               date_trunc(${q.interval}, ${q.from}::timestamptz at time zone ${COMPANY_TIME_ZONE}),
               (${q.to}::timestamptz at time zone ${COMPANY_TIME_ZONE}) - interval '1 microsecond',
               ('1 ' || ${q.interval})::interval) as bucket_start
    ),
    received_per_bucket as (
      select date_trunc(${q.interval}, c.received_at at time zone ${COMPANY_TIME_ZONE}) as bucket_start, count(*)::int as received
      from (${received}) c
      group by 1
    )
    select to_char(b.bucket_start, 'YYYY-MM-DD') as start, coalesce(r.received, 0) as received
    from period_buckets b
    left join received_per_bucket r on r.bucket_start = b.bucket_start
    order by b.bucket_start
  `.execute(db);

  return {
    definition: DEFINITIONS.volume,
    received: byCategory.rows[0]?.all_received ?? 0,
    byCategory: byCategory.rows.map(({ category, received }) => ({ category, received })),
    byModelLot: byModelLot.rows,
    overTime: overTime.rows,
  };
}
