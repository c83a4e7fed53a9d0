/**
 * /reports/kpis against the real PostgreSQL: a known data set written straight into a fresh
 * database (complaints, their stage moves, feedback and revisits, SLA clocks), and the figures
 * worked out by hand beside it. All local times are Asia/Shanghai (+08:00).
 *
 * The main period is 2026-03-02 (Mon) to 2026-03-15 (Sun): [03-02 00:00+08, 03-16 00:00+08).
 *
 *   C1  product_performance  VIP-200 / L1     received 03-02 09:00, closed 03-11 (revisit), satisfied
 *   C2  product_performance  " vip-200 "/l1   received 03-03 09:00, dissatisfied, reopened, satisfied, closed 03-07
 *   C3  after_sales_service  MON-5 / M9       received 03-09 10:00, mediation, legal route, closed 03-14, no feedback
 *   C4  communication        MON-5 / M9       received 03-10 09:00, dissatisfied, reopened, still open
 *   C5  order_logistics      (no device)      received 03-12 09:00, withdrawn 03-12 10:00
 *   C6  product_performance  VIP-200 / L2     received 02-20 (before), satisfied 02-22, revisit and closed 03-02 10:00
 *   C7  product_performance  VIP-200 / L1     received 03-16 09:00 (after the period)
 *   C8  (unassessed)         VIP-200 / L2     received 03-15 23:30 (the last local minutes of the period)
 *   C9  product_performance  VIP-200 / L1     received 03-01 23:30 (the last local minutes before it)
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorEnv } from '../../api/actor.js';
import { reportRoutes } from '../../api/reports.js';
import { complaintScope } from '../../db/reports.js';
import { actorForToken, createUser, issueToken } from '../../db/users.js';
import type { ClockStatus } from '../../workflows/rules/clocks.js';
import type { ClockKind } from '../../workflows/rules/sla-policy.js';
import type { Category, Role, Stage } from '../../workflows/model.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let database: TestDatabase;
let app: Hono<ActorEnv>;
const tokens = {} as Record<Role, string>;

/** A local Shanghai time, e.g. T('03-02 09:00') (in 2026) or T('2026-11-24 09:00'). */
const T = (local: string) => new Date(`${/^\d{4}-/.test(local) ? '' : '2026-'}${local.replace(' ', 'T')}:00+08:00`);
const HOUR = 3600;

async function get(query: string, role: Role | null = 'agent'): Promise<{ status: number; type: string | null; body: Json }> {
  const res = await app.request(`/reports/kpis${query}`, { headers: role ? { authorization: `Bearer ${tokens[role]}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Json };
}

// ---- The data set --------------------------------------------------------------------------------

interface ComplaintSpec {
  category: Category | null;
  model: string | null;
  lot: string | null;
  receivedAt: string;
  stage: Stage;
  closedAt?: string;
  reopenCount?: number;
  /** In time order: stage moves [at, from, to, extra] and feedback / revisit answers. */
  events?: Array<
    | ['move', string, string, string, Record<string, unknown>?]
    | ['feedback', string, { satisfied: boolean; score: number }]
    | ['revisit', string, { score: number; deviceWorking: boolean; solvedAtRoot: boolean }]
  >;
  clocks?: Array<{ kind: ClockKind; cycle?: number; status: ClockStatus; due: string; met?: string; breached?: string; cancelled?: string }>;
}

let numbers = 0;
async function insertComplaint(spec: ComplaintSpec): Promise<string> {
  const id = randomUUID();
  const db = database.db;
  await db
    .insertInto('complaints')
    .values({
      id,
      number: `RPT-${++numbers}-${id.slice(0, 8)}`,
      fingerprint: 'test',
      policy_id: 'default',
      received_at: T(spec.receivedAt),
      received_by: 'agent-li',
      channel: 'phone',
      complainant_name: 'Test Complainant',
      complainant_role: 'clinician',
      device_name: 'Volumetric infusion pump',
      device_model: spec.model,
      device_lot: spec.lot,
      event_description: 'false occlusion alarm',
      patient_harmed: false,
      in_use_on_patient: false,
      requested_remedies: ['repair'],
      sample_available: false,
      stage: spec.stage,
      category: spec.category,
      owner_id: 'agent-li',
      reopen_count: spec.reopenCount ?? 0,
      closed_at: spec.closedAt ? T(spec.closedAt) : null,
    })
    .execute();
  const events = (spec.events ?? []).map((e, i) => {
    const base = { complaint_id: id, seq: i + 1, at: T(e[1]), actor_id: 'agent-li', actor_role: 'agent' as const };
    if (e[0] === 'move') return { ...base, action: 'stage.changed', data: JSON.stringify({ from: e[2], to: e[3], ...(e[4] ?? {}) }) };
    if (e[0] === 'feedback') return { ...base, action: 'feedback.recorded', data: JSON.stringify({ ...e[2], comment: 'ok' }) };
    return { ...base, action: 'revisit.recorded', data: JSON.stringify(e[2]) };
  });
  if (events.length) await db.insertInto('complaint_events').values(events).execute();
  const clocks = (spec.clocks ?? []).map((k, i) => ({
    complaint_id: id,
    clock_id: `${k.kind}-${k.cycle ?? 1}-${i}`,
    kind: k.kind,
    cycle: k.cycle ?? 1,
    status: k.status,
    calendar_id: 'cn',
    specs: '[]',
    started_at: T(spec.receivedAt),
    due_at: T(k.due),
    warn_at: T(k.due),
    met_at: k.met ? T(k.met) : null,
    breached_at: k.breached ? T(k.breached) : null,
    cancelled_at: k.cancelled ? T(k.cancelled) : null,
    pauses: '[]',
    beyond_calendar: false,
    updated_seq: 1,
  }));
  if (clocks.length) await db.insertInto('sla_clocks').values(clocks).execute();
  return id;
}

const DATA_SET: Record<string, ComplaintSpec> = {
  C1: {
    category: 'product_performance', model: 'VIP-200', lot: 'L1', receivedAt: '03-02 09:00', stage: 'closed', closedAt: '03-11 14:00',
    events: [
      ['move', '03-02 10:00', 'intake', 'assessment'], // intake 1 h
      ['move', '03-02 12:00', 'assessment', 'investigation'], // 2 h
      ['move', '03-03 12:00', 'investigation', 'resolution'], // 24 h
      ['move', '03-04 12:00', 'resolution', 'feedback'], // 24 h
      ['feedback', '03-04 14:00', { satisfied: true, score: 5 }],
      ['move', '03-04 14:00', 'feedback', 'revisit'], // 2 h
      ['revisit', '03-11 14:00', { score: 5, deviceWorking: true, solvedAtRoot: true }],
      ['move', '03-11 14:00', 'revisit', 'closed', { reason: 'revisit done' }], // 168 h
    ],
    clocks: [
      { kind: 'firstContact', status: 'met', due: '03-02 13:00', met: '03-02 09:30' },
      { kind: 'acknowledgement', status: 'met', due: '03-03 09:00', met: '03-02 10:00' },
      { kind: 'firstResponse', status: 'breached', due: '03-02 11:00', breached: '03-02 11:00', met: '03-02 13:00' }, // met late: a breach
      { kind: 'resolution', status: 'met', due: '03-03 17:00', met: '03-03 12:00' },
    ],
  },
  C2: {
    category: 'product_performance', model: ' vip-200 ', lot: 'l1', receivedAt: '03-03 09:00', stage: 'closed', closedAt: '03-07 12:30', reopenCount: 1,
    events: [
      ['move', '03-03 09:30', 'intake', 'assessment'], // 0.5 h
      ['move', '03-03 10:30', 'assessment', 'investigation'], // 1 h
      ['move', '03-04 10:30', 'investigation', 'resolution'], // 24 h
      ['move', '03-05 10:30', 'resolution', 'feedback'], // 24 h
      ['feedback', '03-05 11:30', { satisfied: false, score: 2 }],
      ['move', '03-05 11:30', 'feedback', 'investigation', { reopen: 1 }], // 1 h
      ['move', '03-06 11:30', 'investigation', 'resolution'], // 24 h
      ['move', '03-07 11:30', 'resolution', 'feedback'], // 24 h
      ['feedback', '03-07 12:30', { satisfied: true, score: 4 }],
      ['move', '03-07 12:30', 'feedback', 'closed', { reason: 'not sampled for a revisit' }], // 1 h
    ],
    clocks: [
      { kind: 'firstContact', status: 'breached', due: '03-03 13:00', breached: '03-03 13:00', met: '03-03 14:00' },
      { kind: 'acknowledgement', status: 'met', due: '03-04 09:00', met: '03-03 09:30' },
      { kind: 'resolution', cycle: 1, status: 'met', due: '03-04 18:00', met: '03-04 10:30' },
      { kind: 'resolution', cycle: 2, status: 'met', due: '03-06 18:00', met: '03-06 11:30' },
    ],
  },
  C3: {
    category: 'after_sales_service', model: 'MON-5', lot: 'M9', receivedAt: '03-09 10:00', stage: 'closed', closedAt: '03-14 16:00',
    events: [
      ['move', '03-09 14:00', 'intake', 'assessment'], // 4 h
      ['move', '03-09 16:00', 'assessment', 'investigation'], // 2 h
      ['move', '03-11 16:00', 'investigation', 'resolution'], // 48 h
      ['move', '03-13 04:00', 'resolution', 'mediation'], // 36 h
      ['move', '03-14 04:00', 'mediation', 'legal'], // 24 h
      ['move', '03-14 16:00', 'legal', 'closed', { reason: 'legal route closed' }], // 12 h
    ],
    clocks: [
      { kind: 'firstContact', status: 'met', due: '03-09 14:00', met: '03-09 11:00' },
      { kind: 'resolution', status: 'breached', due: '03-11 18:00', breached: '03-11 18:00' },
      { kind: 'preliminaryVerification', status: 'cancelled', due: '03-20 18:00', cancelled: '03-14 16:00' },
    ],
  },
  C4: {
    category: 'communication', model: 'MON-5', lot: 'M9', receivedAt: '03-10 09:00', stage: 'investigation', reopenCount: 1,
    events: [
      ['move', '03-10 11:00', 'intake', 'assessment'], // 2 h
      ['move', '03-10 12:00', 'assessment', 'investigation'], // 1 h
      ['move', '03-10 18:00', 'investigation', 'resolution'], // 6 h
      ['move', '03-11 12:00', 'resolution', 'feedback'], // 18 h
      ['feedback', '03-12 09:00', { satisfied: false, score: 1 }],
      ['move', '03-12 09:00', 'feedback', 'investigation', { reopen: 1 }], // 21 h
    ],
    clocks: [
      { kind: 'firstContact', status: 'met', due: '03-10 13:00', met: '03-10 09:30' },
      { kind: 'resolution', cycle: 1, status: 'met', due: '03-10 18:00', met: '03-10 17:00' },
      { kind: 'resolution', cycle: 2, status: 'running', due: '03-13 09:00' }, // overdue, breach not recorded: a breach
      { kind: 'firstResponse', status: 'paused', due: '03-10 12:00' }, // paused: not counted
      { kind: 'preliminaryVerification', status: 'running', due: '03-20 18:00' }, // due after the period
    ],
  },
  C5: {
    category: 'order_logistics', model: null, lot: null, receivedAt: '03-12 09:00', stage: 'withdrawn', closedAt: '03-12 10:00',
    events: [['move', '03-12 10:00', 'intake', 'withdrawn', { reason: 'resolved by phone' }]], // intake 1 h
    clocks: [{ kind: 'firstContact', status: 'cancelled', due: '03-12 13:00', cancelled: '03-12 10:00' }],
  },
  C6: {
    category: 'product_performance', model: 'VIP-200', lot: 'L2', receivedAt: '02-20 09:00', stage: 'closed', closedAt: '03-02 10:00',
    events: [
      ['move', '02-20 10:00', 'intake', 'assessment'],
      ['move', '02-20 11:00', 'assessment', 'investigation'],
      ['move', '02-21 11:00', 'investigation', 'resolution'],
      ['move', '02-22 09:00', 'resolution', 'feedback'],
      ['feedback', '02-22 10:00', { satisfied: true, score: 5 }],
      ['move', '02-22 10:00', 'feedback', 'revisit'],
      ['revisit', '03-02 10:00', { score: 3, deviceWorking: true, solvedAtRoot: false }],
      ['move', '03-02 10:00', 'revisit', 'closed', { reason: 'revisit done' }], // revisit 192 h, left in the period
    ],
    clocks: [
      { kind: 'firstContact', status: 'met', due: '02-20 13:00', met: '02-20 09:30' },
      // Breached in February, the action came in March: decided (breached) in February.
      { kind: 'acknowledgement', status: 'breached', due: '02-21 09:00', breached: '02-21 09:00', met: '03-02 09:00' },
      // Met in February, due in March: decided in February.
      { kind: 'preliminaryVerification', status: 'met', due: '03-03 18:00', met: '02-28 10:00' },
    ],
  },
  C7: {
    category: 'product_performance', model: 'VIP-200', lot: 'L1', receivedAt: '03-16 09:00', stage: 'assessment',
    events: [['move', '03-16 10:00', 'intake', 'assessment']],
    clocks: [{ kind: 'firstContact', status: 'met', due: '03-16 13:00', met: '03-16 09:30' }],
  },
  C8: {
    category: null, model: 'VIP-200', lot: 'L2', receivedAt: '03-15 23:30', stage: 'intake',
    clocks: [{ kind: 'firstContact', status: 'met', due: '03-16 13:00', met: '03-15 23:45' }],
  },
  C9: { category: 'product_performance', model: 'VIP-200', lot: 'L1', receivedAt: '03-01 23:30', stage: 'intake' },
};

beforeAll(async () => {
  database = await createTestDatabase();
  for (const role of ['agent', 'handler', 'supervisor', 'qa', 'admin'] as Role[]) {
    await createUser(database.db, { id: `${role}-reports`, displayName: `Report reader (${role})`, role }, 'test');
    tokens[role] = (await issueToken(database.db, `${role}-reports`, 'reports test', 'test')).token;
  }
  // As the app does (api/app.ts): bearer tokens resolve against the users in PostgreSQL.
  app = new Hono<ActorEnv>();
  app.use('*', async (c, next) => {
    c.set('resolveActor', (token) => actorForToken(database.db, token));
    await next();
  });
  app.route('/reports', reportRoutes({ db: database.db }));
  for (const spec of Object.values(DATA_SET)) await insertComplaint(spec);
});

afterAll(async () => {
  await database?.drop();
});

const PERIOD = '?from=2026-03-02&to=2026-03-15';
const zero = { met: 0, breached: 0, cancelled: 0, decided: 0, compliancePercent: null };

describe('GET /reports/kpis: the whole data set, 2026-03-02 to 2026-03-15', () => {
  let body: Json;
  beforeAll(async () => {
    const res = await get(PERIOD);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    body = res.body;
  });

  it('states its period in the company zone, the filters, and the targets beside the figures', () => {
    expect(body.period).toMatchObject({ from: '2026-03-01T16:00:00.000Z', to: '2026-03-15T16:00:00.000Z', timeZone: 'Asia/Shanghai', interval: 'week' });
    expect(body.filters).toEqual({ category: null, model: null, lot: null });
    expect(body.targets.satisfaction).toMatchObject({ value: 50, target: 90, met: false });
    expect(body.targets.successfulResolution).toMatchObject({ value: 75, target: 90, met: false });
    expect(body.targets.answersCorrect).toMatchObject({ value: null, target: 95, met: false, measured: false });
    for (const section of [body.sla, body.stages, body.satisfaction.feedback, body.satisfaction.revisit, body.resolution, body.volume]) {
      expect(section.definition).toEqual(expect.any(String));
    }
  });

  it('SLA compliance: clocks decided in the period, per category, per kind and overall', () => {
    expect(body.sla.overall).toEqual({ met: 10, breached: 4, cancelled: 2, decided: 14, compliancePercent: 71.4 });
    expect(body.sla.byCategory).toEqual([
      { category: 'product_performance', met: 6, breached: 2, cancelled: 0, decided: 8, compliancePercent: 75 },
      { category: 'after_sales_service', met: 1, breached: 1, cancelled: 1, decided: 2, compliancePercent: 50 },
      { category: 'communication', met: 2, breached: 1, cancelled: 0, decided: 3, compliancePercent: 66.7 },
      { category: 'order_logistics', ...zero, cancelled: 1 },
      { category: 'other', ...zero },
      { category: 'unassessed', met: 1, breached: 0, cancelled: 0, decided: 1, compliancePercent: 100 },
    ]);
    expect(body.sla.byKind).toEqual([
      { kind: 'firstContact', met: 4, breached: 1, cancelled: 1, decided: 5, compliancePercent: 80 },
      { kind: 'acknowledgement', met: 2, breached: 0, cancelled: 0, decided: 2, compliancePercent: 100 },
      { kind: 'firstResponse', met: 0, breached: 1, cancelled: 0, decided: 1, compliancePercent: 0 },
      { kind: 'preliminaryVerification', ...zero, cancelled: 1 },
      { kind: 'resolution', met: 4, breached: 2, cancelled: 0, decided: 6, compliancePercent: 66.7 },
    ]);
    expect(body.sla.byCategoryAndKind).toHaveLength(6 * 5);
    const cell = (category: string, kind: string) => body.sla.byCategoryAndKind.find((r: Json) => r.category === category && r.kind === kind);
    expect(cell('product_performance', 'resolution')).toEqual({ category: 'product_performance', kind: 'resolution', met: 3, breached: 0, cancelled: 0, decided: 3, compliancePercent: 100 });
    expect(cell('communication', 'resolution')).toMatchObject({ met: 1, breached: 1, compliancePercent: 50 });
    expect(cell('product_performance', 'firstContact')).toMatchObject({ met: 1, breached: 1, compliancePercent: 50 });
  });

  it('time per stage: median and p90 of the stays left in the period (stays begun before it too)', () => {
    expect(body.stages.items).toEqual([
      { stage: 'intake', stays: 5, medianSeconds: 1 * HOUR, p90Seconds: 11_520, medianHours: 1, p90Hours: 3.2 },
      { stage: 'assessment', stays: 4, medianSeconds: 1.5 * HOUR, p90Seconds: 2 * HOUR, medianHours: 1.5, p90Hours: 2 },
      { stage: 'investigation', stays: 5, medianSeconds: 24 * HOUR, p90Seconds: 138_240, medianHours: 24, p90Hours: 38.4 },
      { stage: 'resolution', stays: 5, medianSeconds: 24 * HOUR, p90Seconds: 112_320, medianHours: 24, p90Hours: 31.2 },
      { stage: 'mediation', stays: 1, medianSeconds: 24 * HOUR, p90Seconds: 24 * HOUR, medianHours: 24, p90Hours: 24 },
      { stage: 'legal', stays: 1, medianSeconds: 12 * HOUR, p90Seconds: 12 * HOUR, medianHours: 12, p90Hours: 12 },
      { stage: 'feedback', stays: 4, medianSeconds: 1.5 * HOUR, p90Seconds: 55_080, medianHours: 1.5, p90Hours: 15.3 },
      { stage: 'revisit', stays: 2, medianSeconds: 180 * HOUR, p90Seconds: 682_560, medianHours: 180, p90Hours: 189.6 },
    ]);
  });

  it('satisfaction: every feedback answer in the period; revisits in the period', () => {
    expect(body.satisfaction.feedback).toMatchObject({ answers: 4, satisfied: 2, ratePercent: 50, averageScore: 3 });
    expect(body.satisfaction.revisit).toMatchObject({
      visits: 2,
      averageScore: 4,
      satisfiedPercent: 50,
      deviceWorkingPercent: 100,
      solvedAtRootPercent: 50,
    });
  });

  it('resolution: closed in the period, successful when the last feedback was satisfied; reopen rate; withdrawn apart', () => {
    expect(body.resolution).toMatchObject({
      closed: 4,
      successful: 3,
      successRatePercent: 75,
      reopened: 1,
      reopenRatePercent: 25,
      withdrawn: 1,
    });
  });

  it('volume: received in the local period, by category, by model and lot (normalised), per week', () => {
    expect(body.volume).toMatchObject({
      received: 6,
      byCategory: [
        { category: 'product_performance', received: 2 },
        { category: 'after_sales_service', received: 1 },
        { category: 'communication', received: 1 },
        { category: 'order_logistics', received: 1 },
        { category: 'other', received: 0 },
        { category: 'unassessed', received: 1 },
      ],
      byModelLot: [
        { model: 'MON-5', lot: 'M9', received: 2 },
        { model: 'VIP-200', lot: 'L1', received: 2 },
        { model: 'VIP-200', lot: 'L2', received: 1 },
        { model: null, lot: null, received: 1 },
      ],
      overTime: [
        { start: '2026-03-02', received: 2 },
        { start: '2026-03-09', received: 4 },
      ],
    });
  });

  it('the same period given as instants (from included, to excluded) gives the same report', async () => {
    const res = await get('?from=2026-03-02T00:00:00%2B08:00&to=2026-03-15T16:00:00Z');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(body);
  });
});

describe('GET /reports/kpis: buckets and filters', () => {
  it('per day and per month, in Asia/Shanghai, empty buckets as zeros', async () => {
    const daily = await get(`${PERIOD}&interval=day`);
    expect(daily.status).toBe(200);
    const counts = Object.fromEntries(daily.body.volume.overTime.map((b: Json) => [b.start, b.received]));
    expect(daily.body.volume.overTime).toHaveLength(14);
    expect(counts).toEqual({
      '2026-03-02': 1, '2026-03-03': 1, '2026-03-04': 0, '2026-03-05': 0, '2026-03-06': 0, '2026-03-07': 0, '2026-03-08': 0,
      '2026-03-09': 1, '2026-03-10': 1, '2026-03-11': 0, '2026-03-12': 1, '2026-03-13': 0, '2026-03-14': 0, '2026-03-15': 1,
    });
    const monthly = await get(`${PERIOD}&interval=month`);
    expect(monthly.body.volume.overTime).toEqual([{ start: '2026-03-01', received: 6 }]);
  });

  it('category: every section narrows to it; successful resolution then meets its target', async () => {
    const { status, body } = await get(`${PERIOD}&category=product_performance`);
    expect(status).toBe(200);
    expect(body.filters).toEqual({ category: 'product_performance', model: null, lot: null });
    expect(body.sla.overall).toEqual({ met: 6, breached: 2, cancelled: 0, decided: 8, compliancePercent: 75 });
    expect(body.sla.byCategory).toEqual([{ category: 'product_performance', met: 6, breached: 2, cancelled: 0, decided: 8, compliancePercent: 75 }]);
    expect(body.sla.byCategoryAndKind).toHaveLength(5);
    expect(body.satisfaction.feedback).toMatchObject({ answers: 3, satisfied: 2, ratePercent: 66.7, averageScore: 3.67 });
    expect(body.satisfaction.revisit).toMatchObject({ visits: 2, averageScore: 4 });
    expect(body.resolution).toMatchObject({ closed: 3, successful: 3, successRatePercent: 100, reopened: 1, reopenRatePercent: 33.3, withdrawn: 0 });
    expect(body.targets.successfulResolution).toMatchObject({ value: 100, target: 90, met: true });
    expect(body.targets.satisfaction).toMatchObject({ value: 66.7, met: false });
    expect(body.stages.items[0]).toEqual({ stage: 'intake', stays: 2, medianSeconds: 0.75 * HOUR, p90Seconds: 3420, medianHours: 0.75, p90Hours: 0.95 });
    expect(body.volume).toMatchObject({ received: 2, byCategory: [{ category: 'product_performance', received: 2 }], byModelLot: [{ model: 'VIP-200', lot: 'L1', received: 2 }] });
  });

  it('model and lot match however they were spelt (trimmed, spaces, case)', async () => {
    const both = await get(`${PERIOD}&model=${encodeURIComponent(' vip-200')}&lot=l1`);
    expect(both.status).toBe(200);
    expect(both.body.filters).toEqual({ category: null, model: 'vip-200', lot: 'l1' });
    expect(both.body.volume).toMatchObject({ received: 2, byModelLot: [{ model: 'VIP-200', lot: 'L1', received: 2 }] });
    expect(both.body.resolution).toMatchObject({ closed: 2, successful: 2, successRatePercent: 100 });

    const model = await get(`${PERIOD}&model=VIP-200`);
    expect(model.body.volume.byModelLot).toEqual([
      { model: 'VIP-200', lot: 'L1', received: 2 },
      { model: 'VIP-200', lot: 'L2', received: 1 },
    ]);
    expect(model.body.resolution).toMatchObject({ closed: 3, successful: 3 });

    const lot = await get(`${PERIOD}&lot=M9`);
    expect(lot.body.sla.overall).toEqual({ met: 3, breached: 2, cancelled: 1, decided: 5, compliancePercent: 60 });
    expect(lot.body.satisfaction.feedback).toMatchObject({ answers: 1, satisfied: 0, ratePercent: 0, averageScore: 1 });
    expect(lot.body.resolution).toMatchObject({ closed: 1, successful: 0, successRatePercent: 0, reopened: 0 });
    expect(lot.body.targets.satisfaction).toMatchObject({ value: 0, met: false });
  });

  it('a short period: only what falls inside it (C1 satisfied on 03-04, C2 answered on 03-05)', async () => {
    const { body } = await get('?from=2026-03-02&to=2026-03-04');
    expect(body.satisfaction.feedback).toMatchObject({ answers: 1, satisfied: 1, ratePercent: 100, averageScore: 5 });
    expect(body.targets.satisfaction).toMatchObject({ value: 100, target: 90, met: true });
    expect(body.resolution).toMatchObject({ closed: 1, successful: 1 }); // C6, closed 03-02 10:00
  });

  it('an empty period answers zeros (and null percentages), not errors', async () => {
    const { status, body } = await get('?from=2025-01-01&to=2025-01-31');
    expect(status).toBe(200);
    expect(body.sla.overall).toEqual(zero);
    expect(body.sla.byCategory.every((r: Json) => r.decided === 0 && r.compliancePercent === null)).toBe(true);
    expect(body.stages.items).toHaveLength(8);
    expect(body.stages.items.every((s: Json) => s.stays === 0 && s.medianSeconds === null && s.p90Hours === null)).toBe(true);
    expect(body.satisfaction.feedback).toMatchObject({ answers: 0, satisfied: 0, ratePercent: null, averageScore: null });
    expect(body.satisfaction.revisit).toMatchObject({ visits: 0, averageScore: null, satisfiedPercent: null });
    expect(body.resolution).toMatchObject({ closed: 0, successful: 0, successRatePercent: null, reopened: 0, reopenRatePercent: null, withdrawn: 0 });
    expect(body.targets.satisfaction).toMatchObject({ value: null, met: false });
    expect(body.targets.successfulResolution).toMatchObject({ value: null, met: false });
    expect(body.volume.received).toBe(0);
    expect(body.volume.byModelLot).toEqual([]);
    expect(body.volume.overTime).toEqual(['2024-12-30', '2025-01-06', '2025-01-13', '2025-01-20', '2025-01-27'].map((start) => ({ start, received: 0 })));
  });

  it('a running clock counts once it is past due (a breach not yet recorded), not before; a paused one not at all', async () => {
    const now = Date.now();
    const local = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    await insertComplaint({
      category: 'other', model: 'X-1', lot: 'NOW', receivedAt: local(now - 3 * 3_600_000), stage: 'investigation',
      clocks: [
        { kind: 'firstContact', status: 'running', due: local(now + 3_600_000) },
        { kind: 'acknowledgement', status: 'running', due: local(now - 3_600_000) },
        { kind: 'resolution', status: 'paused', due: local(now - 2 * 3_600_000) },
      ],
    });
    const from = new Date(now - 86_400_000).toISOString();
    const to = new Date(now + 86_400_000).toISOString();
    const { status, body } = await get(`?from=${from}&to=${to}&category=other`);
    expect(status).toBe(200);
    expect(body.sla.overall).toEqual({ met: 0, breached: 1, cancelled: 0, decided: 1, compliancePercent: 0 });
    expect(body.sla.byKind.find((k: Json) => k.kind === 'acknowledgement')).toMatchObject({ breached: 1 });
  });

  it('every role may read the reports; nobody unsigned', async () => {
    for (const role of ['agent', 'handler', 'supervisor', 'qa', 'admin'] as Role[]) {
      expect((await get(PERIOD, role)).status).toBe(200);
    }
    const unsigned = await get(PERIOD, null);
    expect(unsigned.status).toBe(401);
  });
});

describe('GET /reports/kpis: bad parameters', () => {
  const cases: Array<[string, string, string[]]> = [
    ['missing from and to', '', ['/query/from', '/query/to']],
    ['not a real date', '?from=2026-02-30&to=2026-03-15', ['/query/from']],
    ['a date-time without offset', '?from=2026-03-02T09:00:00&to=2026-03-15', ['/query/from']],
    ['to before from', '?from=2026-03-15&to=2026-03-02', ['/query/to']],
    ['a period too long', '?from=2020-01-01&to=2026-01-01', ['/query/to']],
    ['an unknown interval', `${PERIOD}&interval=year`, ['/query/interval']],
    ['an unknown category', `${PERIOD}&category=bogus`, ['/query/category']],
    ['an empty lot', `${PERIOD}&lot=%20`, ['/query/lot']],
    ['an unknown parameter', `${PERIOD}&stage=closed`, ['/query/stage']],
  ];
  it.each(cases)('%s: 400 problem pointing at the parameter', async (_name, query, pointers) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: 'https://complaint-desk.dev/problems/validation-failed', status: 400 });
    expect(res.body.errors.map((e: Json) => e.pointer).sort()).toEqual(pointers);
  });
});

describe('indexes', () => {
  it('the normalised device key of the filters is the indexed expression; closed_at is indexed', async () => {
    const plans = await database.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const device = await sql<{ 'QUERY PLAN': string }>`
        explain select count(*) from complaints c where ${complaintScope({ model: 'vip-200', lot: 'L1' })}`.execute(trx);
      const closed = await sql<{ 'QUERY PLAN': string }>`
        explain select count(*) from complaints c where c.closed_at >= now() - interval '7 days' and c.closed_at < now()`.execute(trx);
      return [device, closed].map((r) => r.rows.map((row) => row['QUERY PLAN']).join('\n'));
    });
    expect(plans[0]).toContain('complaints_device_key_idx');
    expect(plans[1]).toContain('complaints_closed_idx');
  });
});
