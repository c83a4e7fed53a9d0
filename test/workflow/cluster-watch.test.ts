/**
 * The cluster watch on the suite's Temporal dev server, with its real activities writing to a real
 * PostgreSQL and real complaint workflows as the members it tells.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { complaint } from '../../workflows/complaint.js';
import { densestWindow, type clusterWatch } from '../../workflows/cluster-watch.js';
import { clusterStateQuery, confirmGroupEventUpdate, dismissGroupEventUpdate } from '../../workflows/cluster-watch-contract.js';
import { clusterAlertId, clusterWatchId, groupEventReportId, sha256Hex, uuidFrom } from '../../workflows/ids.js';
import * as c from '../../workflows/contract.js';
import { escalateSignal, updates, type ActionArgs } from '../../workflows/actions.js';
import type { Actor } from '../../workflows/model.js';
import { startDevServerSuite, type DevServerSuite } from '../support/dev-server.js';
import { SAMPLE_INTAKE } from '../support/intake.js';
import { refusal, testDataConverter } from '../support/temporal.js';

const agent: Actor = { id: 'agent-li', role: 'agent' };
const qa: Actor = { id: 'qa-zhou', role: 'qa' };
const supervisor: Actor = { id: 'supervisor-wu', role: 'supervisor' };
const DAY = 24 * 3_600_000;

let suite: DevServerSuite;

// The real worker (every activity the application registers) on this file's own task queue; the
// real cluster activity, run in an activity context on that queue.
beforeAll(async () => {
  suite = await startDevServerSuite({ taskQueuePrefix: 'cluster-tests' });
});

afterAll(async () => {
  await suite?.stop();
});

// ---- Helpers ---------------------------------------------------------------------------------------

interface Member {
  complaintId: string;
  number: string;
  receivedAt: number;
  harmed: boolean;
  handle: WorkflowHandle<typeof complaint>;
}

/** A model and lot of its own per test, so each test has its own watch. */
function device() {
  const suffix = randomUUID().slice(0, 8);
  return { model: `VIP-200 ${suffix}`, lot: `l2026-${suffix}`, productName: 'Volumetric infusion pump' };
}

/**
 * Files a real complaint on the device, received at `receivedAt`. Its own intake records no harm, so
 * the complaint does not report itself: these tests feed the watch explicitly (`reportMember`, with
 * `harmed`) to control order, timing and repeats. The end-to-end path is tested at the end.
 */
async function fileComplaint(dev: ReturnType<typeof device>, receivedAt: number, harmed = true, reportsItself = false): Promise<Member> {
  const complaintId = randomUUID();
  const handle = await suite.temporal.workflow.start<typeof complaint>('complaint', {
    workflowId: complaintId,
    taskQueue: suite.taskQueue,
    args: [
      {
        complaintId,
        intake: {
          ...SAMPLE_INTAKE,
          device: { ...SAMPLE_INTAKE.device, productName: dev.productName, model: dev.model, lot: dev.lot },
          event: { ...SAMPLE_INTAKE.event, patientHarmed: reportsItself && harmed },
        },
        receivedAt,
        receivedBy: agent,
        fingerprint: 'f',
        requestId: 'r',
      },
    ],
  });
  const receipt = await handle.executeUpdate(c.filedUpdate);
  return { complaintId, number: receipt.number, receivedAt, harmed, handle };
}

/** Reports a complaint to its watch the way the complaint workflow does (policy: 30 days, 3). */
function reportMember(dev: ReturnType<typeof device>, m: Member) {
  return suite.reportToClusterWatch({
    model: dev.model,
    lot: dev.lot,
    productName: dev.productName,
    complaintId: m.complaintId,
    number: m.number,
    receivedAt: m.receivedAt,
    patientHarmed: m.harmed,
    windowDays: 30,
    threshold: 3,
  });
}

function watchOf(dev: ReturnType<typeof device>) {
  return suite.temporal.workflow.getHandle<typeof clusterWatch>(clusterWatchId(dev.model, dev.lot));
}

/** The watch has taken in every report sent so far (signals are processed in order). */
async function settled(dev: ReturnType<typeof device>, reports: number) {
  await expect
    .poll(async () => {
      const s = await watchOf(dev).query(clusterStateQuery);
      return s.reportsReceived >= reports ? 'settled' : 'pending';
    }, { timeout: 15_000 })
    .toBe('settled');
}

async function alertsOf(dev: ReturnType<typeof device>) {
  return suite.database.db
    .selectFrom('cluster_alerts')
    .selectAll()
    .where('watch_id', '=', clusterWatchId(dev.model, dev.lot))
    .orderBy('seq')
    .execute();
}

async function alertEvents(alertId: string) {
  return suite.database.db.selectFrom('cluster_alert_events').selectAll().where('alert_id', '=', alertId).orderBy('seq').execute();
}

/** Waits until the alert's trail holds `count` events with this action. */
async function untilEvents(alertId: string, action: string, count: number) {
  await expect
    .poll(async () => (await alertEvents(alertId)).filter((e) => e.action === action).length, { timeout: 15_000 })
    .toBe(count);
}

/** How many signals of this name the complaint's workflow has received. */
async function signalsReceived(m: Member, name: string): Promise<Array<Record<string, unknown>>> {
  const history = await m.handle.fetchHistory();
  const payloads: Array<Record<string, unknown>> = [];
  for (const event of history.events ?? []) {
    const attrs = event.workflowExecutionSignaledEventAttributes;
    if (attrs?.signalName !== name) continue;
    const payload = attrs.input?.payloads?.[0];
    // Payloads are encrypted: decode with the test key, as the worker does.
    const [decoded] = payload ? await testDataConverter.payloadCodecs![0].decode([payload]) : [];
    payloads.push(decoded?.data ? JSON.parse(Buffer.from(decoded.data).toString('utf8')) : {});
  }
  return payloads;
}

// ---- Tests -----------------------------------------------------------------------------------------

describe('names', () => {
  it('normalises the watch ID: trimmed, upper case, awkward characters encoded', () => {
    expect(clusterWatchId('  vip-200 ', 'l2026-0917')).toBe('cluster-watch:VIP-200:L2026-0917');
    expect(clusterWatchId('VIP  200', 'L:1/2')).toBe('cluster-watch:VIP%20200:L%3A1%2F2');
    expect(clusterWatchId('输液泵', 'a')).toBe('cluster-watch:%E8%BE%93%E6%B6%B2%E6%B3%B5:A');
    expect(() => clusterWatchId(' ', 'L1')).toThrow();
  });

  it('derives alert IDs as UUIDs from the watch and the sequence number (pure SHA-256)', () => {
    for (const text of ['', 'abc', 'cluster-alert:cluster-watch:VIP-200:L1#1', 'x'.repeat(200), '输液泵']) {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
    const id = clusterAlertId('cluster-watch:VIP-200:L1', 1);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).toBe(clusterAlertId('cluster-watch:VIP-200:L1', 1));
    expect(id).not.toBe(clusterAlertId('cluster-watch:VIP-200:L1', 2));
    expect(uuidFrom('a')).not.toBe(uuidFrom('b'));
  });

  it('finds the largest set of receipts within the window of each other', () => {
    const at = (...days: number[]) => days.map((d) => ({ receivedAt: d * DAY }));
    expect(densestWindow(at(0, 31, 62), 30 * DAY)).toHaveLength(1);
    expect(densestWindow(at(0, 10, 30, 31, 45), 30 * DAY).map((e) => e.receivedAt / DAY)).toEqual([0, 10, 30]);
    expect(densestWindow(at(0, 20, 40, 45, 50), 30 * DAY).map((e) => e.receivedAt / DAY)).toEqual([20, 40, 45, 50]);
  });
});

describe('a possible group event', () => {
  it('three harm complaints raise one alert; each member is told once; repeats and non-harm complaints count for nothing', async () => {
    const dev = device();
    const t0 = Date.now() - 10 * DAY;
    const [a, b, harmless, cc] = [
      await fileComplaint(dev, t0),
      await fileComplaint(dev, t0 + DAY),
      await fileComplaint(dev, t0 + 2 * DAY, false),
      await fileComplaint(dev, t0 + 3 * DAY),
    ];
    await reportMember(dev, a);
    await reportMember(dev, a); // the same complaint again
    await reportMember(dev, b);
    await reportMember(dev, harmless);
    await settled(dev, 4);
    let state = await watchOf(dev).query(clusterStateQuery);
    expect(state.entries).toHaveLength(3);
    expect(state.alerts).toHaveLength(0);
    expect(await alertsOf(dev)).toHaveLength(0);

    await reportMember(dev, cc);
    await expect.poll(async () => (await alertsOf(dev)).length, { timeout: 15_000 }).toBe(1);
    const [alert] = await alertsOf(dev);
    expect(alert).toMatchObject({
      id: clusterAlertId(clusterWatchId(dev.model, dev.lot), 1),
      seq: 1,
      model: dev.model,
      lot: dev.lot,
      product_name: dev.productName,
      status: 'open',
      window_days: 30,
      threshold: 3,
    });
    expect([...alert.complaint_ids].sort()).toEqual([a, b, cc].map((m) => m.complaintId).sort());
    expect(new Date(alert.first_received_at).getTime()).toBe(t0);
    expect(new Date(alert.last_received_at).getTime()).toBe(t0 + 3 * DAY);

    // Written first, then the members told: each once, the harmless complaint not at all.
    await untilEvents(alert.id, 'members.flagged', 1);
    const events = await alertEvents(alert.id);
    expect(events.map((e) => e.action)).toEqual(['alert.raised', 'members.flagged']);
    expect(events[0]).toMatchObject({ actor_id: 'system', data: { threshold: 3, windowDays: 30, notify: ['qa', 'supervisor'] } });
    for (const m of [a, b, cc]) {
      const flagged = await signalsReceived(m, 'clusterFlagged');
      expect(flagged, m.number).toHaveLength(1);
      expect(flagged[0]).toMatchObject({ clusterAlertId: alert.id, model: dev.model, lot: dev.lot, complaintCount: 3, windowDays: 30 });
      expect(flagged[0].flaggedAt).toBe(new Date(alert.flagged_at).getTime());
    }
    expect(await signalsReceived(harmless, 'clusterFlagged')).toHaveLength(0);

    // A fourth joins the open alert: no second alert; only the newcomer is told.
    const d = await fileComplaint(dev, t0 + 5 * DAY);
    await reportMember(dev, d);
    await untilEvents(alert.id, 'members.flagged', 2);
    const alerts = await alertsOf(dev);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].complaint_ids).toHaveLength(4);
    expect(alerts[0].complaint_ids).toContain(d.complaintId);
    expect((await signalsReceived(d, 'clusterFlagged'))[0]).toMatchObject({ clusterAlertId: alert.id, complaintCount: 4 });
    for (const m of [a, b, cc, d]) expect(await signalsReceived(m, 'clusterFlagged')).toHaveLength(1);
    const joined = (await alertEvents(alert.id)).find((e) => e.action === 'members.joined');
    expect(joined?.data).toMatchObject({ complaintCount: 4, complaints: [{ complaintId: d.complaintId, number: d.number }] });

    // Reported again, members and the harmless one change nothing.
    await reportMember(dev, cc);
    await reportMember(dev, harmless);
    await settled(dev, 8);
    state = await watchOf(dev).query(clusterStateQuery);
    expect(state.alerts).toHaveLength(1);
    expect(state.alerts[0].members).toHaveLength(4);
    expect(await alertEvents(alert.id)).toHaveLength(4);
    for (const m of [a, b, cc, d]) expect(await signalsReceived(m, 'clusterFlagged')).toHaveLength(1);
  });

  it('complaints further apart than the window do not count together', async () => {
    const dev = device();
    const t0 = Date.now() - 80 * DAY;
    const early = [await fileComplaint(dev, t0), await fileComplaint(dev, t0 + 31 * DAY), await fileComplaint(dev, t0 + 62 * DAY)];
    for (const m of early) await reportMember(dev, m);
    await settled(dev, 3);
    expect(await alertsOf(dev)).toHaveLength(0);

    // Two more within 30 days of the third: those three are a cluster; the 31-day one stays out.
    const late = [await fileComplaint(dev, t0 + 70 * DAY), await fileComplaint(dev, t0 + 75 * DAY)];
    for (const m of late) await reportMember(dev, m);
    await expect.poll(async () => (await alertsOf(dev)).length, { timeout: 15_000 }).toBe(1);
    const [alert] = await alertsOf(dev);
    expect([...alert.complaint_ids].sort()).toEqual([early[2], ...late].map((m) => m.complaintId).sort());
    await untilEvents(alert.id, 'members.flagged', 1);
    expect(await signalsReceived(early[0], 'clusterFlagged')).toHaveLength(0);
    expect(await signalsReceived(early[1], 'clusterFlagged')).toHaveLength(0);
  });

  it('skips members whose complaint has completed, and records the skip', async () => {
    const dev = device();
    const t0 = Date.now() - 3 * DAY;
    const members = [await fileComplaint(dev, t0), await fileComplaint(dev, t0 + DAY), await fileComplaint(dev, t0 + 2 * DAY)];
    await members[0].handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'complainant settled it' }] });
    await members[0].handle.result();
    for (const m of members) await reportMember(dev, m);
    await expect.poll(async () => (await alertsOf(dev)).length, { timeout: 15_000 }).toBe(1);
    const [alert] = await alertsOf(dev);
    expect(alert.complaint_ids).toHaveLength(3);
    await untilEvents(alert.id, 'members.flagged', 1);
    const flagged = (await alertEvents(alert.id)).find((e) => e.action === 'members.flagged');
    expect(flagged?.data).toMatchObject({ skipped: [members[0].complaintId] });
    expect((flagged?.data as { told: string[] }).told.sort()).toEqual([members[1], members[2]].map((m) => m.complaintId).sort());
    for (const m of members.slice(1)) expect(await signalsReceived(m, 'clusterFlagged')).toHaveLength(1);
  });

  it('survives a worker restart without counting anything twice', async () => {
    const dev = device();
    const t0 = Date.now() - 5 * DAY;
    const [a, b, cc] = [await fileComplaint(dev, t0), await fileComplaint(dev, t0 + DAY), await fileComplaint(dev, t0 + 2 * DAY)];
    await reportMember(dev, a);
    await reportMember(dev, b);
    await settled(dev, 2);

    // The worker goes away; reports keep arriving (the server holds them), repeats included.
    await suite.stopWorker();
    await reportMember(dev, b);
    await reportMember(dev, a);
    await reportMember(dev, cc);
    await reportMember(dev, cc);
    await suite.startWorker(); // an empty cache: the watch replays its history first

    await expect.poll(async () => (await alertsOf(dev)).length, { timeout: 20_000 }).toBe(1);
    const [alert] = await alertsOf(dev);
    expect(alert.complaint_ids).toHaveLength(3);
    await untilEvents(alert.id, 'members.flagged', 1);

    // Once more: a restart after the alert, and every complaint reported again.
    await suite.stopWorker();
    await suite.startWorker();
    for (const m of [a, b, cc]) await reportMember(dev, m);
    await settled(dev, 9);
    const state = await watchOf(dev).query(clusterStateQuery);
    expect(state.alerts).toHaveLength(1);
    expect(state.alerts[0].members).toHaveLength(3);
    expect(await alertsOf(dev)).toHaveLength(1);
    expect(await alertEvents(alert.id)).toHaveLength(2);
    for (const m of [a, b, cc]) expect(await signalsReceived(m, 'clusterFlagged')).toHaveLength(1);
  });

  it('continues as new, carrying the complaints within the window and the alert', async () => {
    const dev = device();
    const watchId = clusterWatchId(dev.model, dev.lot);
    const first = await suite.temporal.workflow.start<typeof clusterWatch>('clusterWatch', {
      workflowId: watchId,
      taskQueue: suite.taskQueue,
      args: [{ model: dev.model, lot: dev.lot, productName: dev.productName, maxReportsPerRun: 2 }],
    });
    const t0 = Date.now() - 40 * DAY;
    const old = await fileComplaint(dev, t0); // falls out of the window once the others arrive
    const [a, b, cc] = [
      await fileComplaint(dev, t0 + 35 * DAY),
      await fileComplaint(dev, t0 + 36 * DAY),
      await fileComplaint(dev, t0 + 37 * DAY),
    ];
    for (const m of [old, a, a, b]) await reportMember(dev, m);
    await expect.poll(async () => (await watchOf(dev).describe()).runId !== first.firstExecutionRunId, { timeout: 15_000 }).toBe(true);
    await reportMember(dev, cc);
    await expect.poll(async () => (await alertsOf(dev)).length, { timeout: 15_000 }).toBe(1);
    const [alert] = await alertsOf(dev);
    expect([...alert.complaint_ids].sort()).toEqual([a, b, cc].map((m) => m.complaintId).sort());
    await untilEvents(alert.id, 'members.flagged', 1);

    // More runs: the alert and the counted complaints go along; the old one was left behind.
    for (const m of [a, b, cc, old]) await reportMember(dev, m);
    await expect
      .poll(async () => {
        const s = await watchOf(dev).query(clusterStateQuery);
        return s.reportsReceived === 9;
      }, { timeout: 15_000 })
      .toBe(true);
    const state = await watchOf(dev).query(clusterStateQuery);
    expect(state.reportsCounted).toBe(4); // old, a, b and c: each once
    expect(state.watermark).toBeGreaterThan(t0);
    expect(state.entries.map((e) => e.complaintId)).not.toContain(old.complaintId);
    expect(state.alerts.map((x) => x.id)).toEqual([alert.id]);
    expect(await alertsOf(dev)).toHaveLength(1);
    for (const m of [a, b, cc]) expect(await signalsReceived(m, 'clusterFlagged')).toHaveLength(1);
    expect(await signalsReceived(old, 'clusterFlagged')).toHaveLength(0);
  });
});

describe('QA’s decision', () => {
  async function raised() {
    const dev = device();
    const t0 = Date.now() - 4 * DAY;
    const members = [await fileComplaint(dev, t0), await fileComplaint(dev, t0 + DAY), await fileComplaint(dev, t0 + 2 * DAY)];
    for (const m of members) await reportMember(dev, m);
    await expect.poll(async () => (await alertsOf(dev)).length, { timeout: 15_000 }).toBe(1);
    const [alert] = await alertsOf(dev);
    await untilEvents(alert.id, 'members.flagged', 1);
    return { dev, members, alert };
  }

  it('confirmation by QA tells every member (day 0 = flagging) and starts the group-event reports; others are refused', async () => {
    const { dev, members, alert } = await raised();
    const watch = watchOf(dev);

    for (const actor of [agent, supervisor]) {
      const refused = await refusal(watch.executeUpdate(confirmGroupEventUpdate, { args: [{ actor, reason: 'same lot, same failure' }] }));
      expect(refused.type).toBe(c.REFUSAL.forbidden);
    }
    const noReason = await refusal(watch.executeUpdate(confirmGroupEventUpdate, { args: [{ actor: qa, reason: ' ' }] }));
    expect(noReason.type).toBe(c.REFUSAL.invalid);
    const unknown = await refusal(
      watch.executeUpdate(confirmGroupEventUpdate, { args: [{ actor: qa, reason: 'x', alertId: randomUUID() }] }),
    );
    expect(unknown.type).toBe(c.REFUSAL.illegalTransition);
    expect((await alertsOf(dev))[0].status).toBe('open');

    const confirmed = await watch.executeUpdate(confirmGroupEventUpdate, { args: [{ actor: qa, reason: 'same lot, same sensor failure' }] });
    const flaggedAt = new Date(alert.flagged_at).getTime();
    expect(confirmed).toMatchObject({ id: alert.id, status: 'confirmed', flaggedAt, confirmed: { by: qa, reason: 'same lot, same sensor failure' } });
    const [row] = await alertsOf(dev);
    expect(row).toMatchObject({ status: 'confirmed', confirmed_by: qa.id, decision_reason: 'same lot, same sensor failure' });
    expect(new Date(row.confirmed_at!).getTime()).toBe(confirmed.confirmed!.at);

    for (const m of members) {
      await expect.poll(async () => (await signalsReceived(m, 'groupEventConfirmed')).length, { timeout: 10_000 }).toBe(1);
      const signals = await signalsReceived(m, 'groupEventConfirmed');
      expect(signals[0]).toMatchObject({ clusterAlertId: alert.id, day0: flaggedAt, confirmedBy: qa, confirmedAt: confirmed.confirmed!.at });
    }
    // The 12-hour notice and the 7-day investigation report, as children named by the alert.
    for (const ruleId of ['cn.group.notice', 'cn.group.investigation']) {
      const child = suite.temporal.workflow.getHandle(groupEventReportId(alert.id, ruleId));
      const description = await child.describe();
      expect(description.type).toBe('regulatoryReport');
      expect(groupEventReportId(alert.id, ruleId)).toBe(`${alert.id}:report:${ruleId}`);
    }
    const trail = await alertEvents(alert.id);
    expect(trail.map((e) => e.action)).toEqual(['alert.raised', 'members.flagged', 'alert.confirmed', 'group_event.reports_started']);
    expect(trail[2]).toMatchObject({ actor_id: qa.id, actor_role: 'qa' });

    // Decided once: a second confirmation or a dismissal is refused.
    const again = await refusal(watch.executeUpdate(confirmGroupEventUpdate, { args: [{ actor: qa, reason: 'again' }] }));
    expect(again.type).toBe(c.REFUSAL.illegalTransition);
    const dismiss = await refusal(watch.executeUpdate(dismissGroupEventUpdate, { args: [{ actor: qa, reason: 'no' }] }));
    expect(dismiss.type).toBe(c.REFUSAL.illegalTransition);

    // A later harm complaint within the window joins the confirmed group event and hears both.
    const late = await fileComplaint(dev, members[2].receivedAt + DAY);
    await reportMember(dev, late);
    await untilEvents(alert.id, 'members.flagged', 2);
    // The watch writes its trail, then signals the member: the signals land a moment after the trail entry.
    await expect.poll(async () => (await signalsReceived(late, 'clusterFlagged')).length, { timeout: 10_000 }).toBe(1);
    // Its day 0 is its joining of the group event: the company could not have known before.
    await expect.poll(async () => (await signalsReceived(late, 'groupEventConfirmed')).length, { timeout: 10_000 }).toBe(1);
    const lateConfirmed = await signalsReceived(late, 'groupEventConfirmed');
    const joinedAt = (await watch.query(clusterStateQuery)).alerts[0].members.find((m) => m.complaintId === late.complaintId)!.joinedAt;
    expect(lateConfirmed[0]).toMatchObject({ clusterAlertId: alert.id, day0: joinedAt, confirmedAt: confirmed.confirmed!.at });
    expect(joinedAt).toBeGreaterThan(flaggedAt);
    expect(await alertsOf(dev)).toHaveLength(1);
  });

  it('dismissal by QA closes the alert; its members do not count again', async () => {
    const { dev, members, alert } = await raised();
    const watch = watchOf(dev);
    const refused = await refusal(watch.executeUpdate(dismissGroupEventUpdate, { args: [{ actor: supervisor, reason: 'unrelated' }] }));
    expect(refused.type).toBe(c.REFUSAL.forbidden);
    const dismissed = await watch.executeUpdate(dismissGroupEventUpdate, { args: [{ actor: qa, reason: 'three different root causes' }] });
    expect(dismissed).toMatchObject({ status: 'dismissed', dismissed: { by: qa, reason: 'three different root causes' } });
    expect((await alertsOf(dev))[0]).toMatchObject({ status: 'dismissed', dismissed_by: qa.id, decision_reason: 'three different root causes' });
    for (const m of members) expect(await signalsReceived(m, 'groupEventConfirmed')).toHaveLength(0);

    // No open alert left; two new harm complaints are not yet a cluster of their own.
    const none = await refusal(watch.executeUpdate(confirmGroupEventUpdate, { args: [{ actor: qa, reason: 'x' }] }));
    expect(none.type).toBe(c.REFUSAL.illegalTransition);
    const more = [await fileComplaint(dev, members[2].receivedAt + DAY), await fileComplaint(dev, members[2].receivedAt + 2 * DAY)];
    for (const m of more) await reportMember(dev, m);
    await settled(dev, 5);
    expect(await alertsOf(dev)).toHaveLength(1);
    const third = await fileComplaint(dev, members[2].receivedAt + 3 * DAY);
    await reportMember(dev, third);
    await expect.poll(async () => (await alertsOf(dev)).length, { timeout: 15_000 }).toBe(2);
    const second = (await alertsOf(dev))[1];
    expect(second.seq).toBe(2);
    expect([...second.complaint_ids].sort()).toEqual([...more, third].map((m) => m.complaintId).sort());
    void alert;
  });

  it('a watch started afresh (e.g. after ops terminated it) keeps the alerts on file in force', async () => {
    const { dev, members, alert } = await raised();
    await watchOf(dev).terminate('ops test');
    const late = await fileComplaint(dev, members[2].receivedAt + DAY);
    await reportMember(dev, late); // starts a new watch, which loads the open alert first
    await untilEvents(alert.id, 'members.flagged', 2);
    const alerts = await alertsOf(dev);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].complaint_ids).toContain(late.complaintId);
    expect(await signalsReceived(late, 'clusterFlagged')).toHaveLength(1);
    for (const m of members) expect(await signalsReceived(m, 'clusterFlagged')).toHaveLength(1);
    const confirmed = await watchOf(dev).executeUpdate(confirmGroupEventUpdate, { args: [{ actor: qa, reason: 'confirmed after restart' }] });
    expect(confirmed.status).toBe('confirmed');
    expect(confirmed.members).toHaveLength(4);
  });
});

describe('the alert trail', () => {
  it('is append-only', async () => {
    const [event] = await suite.database.db.selectFrom('cluster_alert_events').selectAll().limit(1).execute();
    expect(event).toBeDefined();
    await expect(sql`update cluster_alert_events set action = 'x' where alert_id = ${event.alert_id}`.execute(suite.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from cluster_alert_events where alert_id = ${event.alert_id}`.execute(suite.database.db)).rejects.toThrow(/append-only/);
  });
});

describe('end to end: complaints with patient harm report themselves', () => {
  it('three harm complaints on one lot, filed as agents file them, raise one alert and each is told', async () => {
    const dev = device();
    const now = Date.now();
    const members = [];
    for (let i = 0; i < 3; i++) members.push(await fileComplaint(dev, now - (3 - i) * 60_000, true, true));
    await expect.poll(async () => (await alertsOf(dev)).length, { timeout: 15_000 }).toBe(1);
    const [alert] = await alertsOf(dev);
    expect([...alert.complaint_ids].sort()).toEqual(members.map((m) => m.complaintId).sort());
    for (const m of members) {
      await expect.poll(async () => (await m.handle.query(c.stateQuery)).cluster?.clusterAlertId, { timeout: 15_000 }).toBe(alert.id);
    }
    // QA confirms: each complaint files its own individual report within 24 hours of day 0.
    await watchOf(dev).executeUpdate(confirmGroupEventUpdate, { args: [{ actor: qa, reason: 'one lot, one failure mode' }] });
    const day0 = new Date(alert.flagged_at).getTime();
    for (const m of members) {
      await expect
        .poll(async () => (await m.handle.query(c.stateQuery)).regulatory.reports.find((r) => r.ruleId === 'cn.group.individual')?.dueAt, { timeout: 15_000 })
        .toBe(day0 + 24 * 3_600_000);
    }
  });
});
