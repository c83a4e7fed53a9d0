/**
 * Reports to regulators: QA's reportability decision per jurisdiction (checked against the rules'
 * proposal; a departure needs a reason), the reports it opens or tightens, a supplemental report
 * after new facts, the reports' progress as they tell it, and the group events (clusters) a
 * complaint belongs to, whose confirmation opens its own 24-hour report.
 */
import {
  REFUSAL,
  type ClusterFlagged,
  type ComplaintState,
  type GroupEventConfirmed,
  type JurisdictionDecision,
  type ReportabilityDecision,
} from '../contract.js';
import type { ActionArgs } from '../actions.js';
import { SYSTEM_ACTOR, type Actor, type IntakeRecord } from '../model.js';
import type { ReportProgress } from '../regulatory-report-contract.js';
import { awarenessDay0, nominalClockHours, proposeReportability, reportingRule, type ReportabilityFacts } from '../rules/regulatory.js';
import { DEFAULT_POLICY } from '../rules/sla-policy.js';
import { refused, transition, type Change, type Context, type Outcome, type Refused } from './change.js';
import type { Transitions } from './registry.js';

export function isKnownRule(ruleId: string): boolean {
  try {
    reportingRule(ruleId);
    return true;
  } catch {
    return false;
  }
}

function distributorAwareAt(intake: IntakeRecord): number | undefined {
  return intake.distributorAwareAt ? Date.parse(intake.distributorAwareAt) : undefined;
}

/** Day 0: the company's receipt of the complaint, or its distributor's awareness if earlier. */
export function reportDay0(state: ComplaintState, intake: IntakeRecord): number {
  return awarenessDay0({ companyAwareAt: state.receivedAt, distributorAwareAt: distributorAwareAt(intake) });
}

/** A report owed under `ruleId`, on record at once; its workflow starts after (a report outlives a withdrawal). */
export function openReport(c: Change, ruleId: string, day0: number, actor: Actor, reason: string, reportId = `${c.state.complaintId}:report:${ruleId}`): void {
  const state = c.state;
  if (state.regulatory.reports.some((r) => r.reportId === reportId)) return;
  const rule = reportingRule(ruleId);
  state.regulatory.reports.push({ reportId, ruleId, jurisdiction: rule.jurisdiction, status: 'starting' });
  state.marks.regulator = true;
  c.emit(actor, 'regulatory.report_opened', { reportId, ruleId, jurisdiction: rule.jurisdiction, citation: rule.citation, day0, reason });
  c.work.push({
    kind: 'startReport',
    input: {
      reportId,
      subject: { complaintId: state.complaintId },
      ruleId,
      day0,
      startedBy: actor,
      reason,
      notifyWorkflowId: state.complaintId,
      reminders: c.ctx.policy?.regulatoryReminders ?? DEFAULT_POLICY.regulatoryReminders,
    },
  });
}

type Weighed = { decision: Omit<ReportabilityDecision, 'by' | 'at'>; refusal?: undefined } | { refusal: Refused; decision?: undefined };

/** The officer's decision checked against the rules' proposal; a departure needs a reason. */
function weigh(state: ComplaintState, a: ActionArgs<'decideReportability'>, intake: IntakeRecord): Weighed {
  const no = (message: string): Weighed => ({ refusal: refused(REFUSAL.invalid, message) });
  if (!a.facts || typeof a.facts !== 'object') return no('facts are required');
  const facts: ReportabilityFacts = { ...a.facts, companyAwareAt: state.receivedAt, distributorAwareAt: distributorAwareAt(intake) };
  let proposals;
  try {
    proposals = proposeReportability(facts);
  } catch (err) {
    return no((err as Error).message);
  }
  for (const given of a.decisions ?? []) {
    if (!proposals.some((p) => p.jurisdiction === given.jurisdiction)) return no(`unknown jurisdiction ${given.jurisdiction}`);
  }
  const decided: Array<JurisdictionDecision & { overridden: boolean }> = [];
  for (const p of proposals) {
    const proposedRule = p.rules.find((r) => r.clock.unit !== 'none')?.id ?? p.rules[0]?.id;
    const given = a.decisions?.find((d) => d.jurisdiction === p.jurisdiction);
    const reportable = given?.reportable ?? p.reportable;
    const ruleId = reportable ? (given?.ruleId ?? proposedRule) : undefined;
    if (ruleId && (!isKnownRule(ruleId) || reportingRule(ruleId).jurisdiction !== p.jurisdiction)) {
      return no(`${p.jurisdiction}: ${ruleId} is not a reporting rule of that jurisdiction`);
    }
    if (reportable && !ruleId) return no(`${p.jurisdiction}: the rules propose no report; name the rule (ruleId) it runs under`);
    const overridden = reportable !== p.reportable || (reportable && ruleId !== proposedRule);
    if (overridden && !given?.reason?.trim()) {
      return no(`${p.jurisdiction}: departing from the rules' proposal (${p.reportable ? proposedRule : 'not reportable'}) needs a reason`);
    }
    decided.push({ jurisdiction: p.jurisdiction, reportable, ...(ruleId ? { ruleId } : {}), ...(given?.reason ? { reason: given.reason } : {}), overridden });
  }
  return {
    decision: {
      facts: a.facts,
      day0: awarenessDay0(facts),
      proposed: proposals.map((p) => ({ jurisdiction: p.jurisdiction, reportable: p.reportable, ruleIds: p.rules.map((r) => r.id), rationale: p.rationale })),
      decided,
      note: a.note,
    },
  };
}

export const regulatory = {
  decideReportability: {
    check: (s, a, intake) => weigh(s, a, intake).refusal,
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        const state = c.state;
        const at = ctx.at;
        const decision = { ...weigh(state, a, ctx.intake).decision!, by: a.actor, at };
        state.regulatory.decisions.push(decision);
        c.emit(a.actor, 'reportability.decided', { ...decision, by: undefined, at: undefined });
        for (const d of decision.decided) {
          if (!d.reportable || !d.ruleId) continue;
          const rule = reportingRule(d.ruleId);
          if (rule.clock.unit === 'none') continue; // e.g. an EU trend report: on record, no clock
          const current = state.regulatory.reports.filter((r) => r.jurisdiction === d.jurisdiction && r.ruleId !== 'us.803.56' && !r.reportId.includes(':report:cn.group.'));
          const existing = current[current.length - 1];
          if (!existing) {
            openReport(c, d.ruleId, decision.day0, a.actor, 'reportability decision');
          } else if (existing.status !== 'submitted') {
            const from = reportingRule(existing.ruleId);
            if (from.clock.unit === 'none' || nominalClockHours(rule.clock) < nominalClockHours(from.clock)) {
              const reason = `facts changed: ${a.note ?? 'new reportability decision'}`;
              c.work.push({ kind: 'tightenReport', reportId: existing.reportId, tighten: { actor: a.actor, ruleId: rule.id, reason } });
            }
          } else if (d.jurisdiction === 'US' && !state.regulatory.reports.some((r) => r.ruleId === 'us.803.56' && r.status !== 'submitted')) {
            // 21 CFR 803.56: new information after a filed report calls for a supplemental report.
            const n = state.regulatory.reports.filter((r) => r.ruleId === 'us.803.56').length + 1;
            openReport(c, 'us.803.56', at, a.actor, 'new information after the filed report', `${state.complaintId}:report:us.803.56:${n}`);
          }
        }
      }),
  },
} satisfies Transitions;

/** A report's workflow told of its progress: its summary on the complaint, the event on the complaint's trail. */
export function reportProgressed(state: ComplaintState, ctx: Context, p: ReportProgress): Outcome {
  return transition(state, ctx, (c) => {
    const reports = c.state.regulatory.reports;
    let summary = reports.find((r) => r.reportId === p.reportId);
    if (!summary) {
      summary = { reportId: p.reportId, ruleId: p.ruleId, jurisdiction: p.jurisdiction, status: p.status };
      reports.push(summary);
    }
    summary.ruleId = p.ruleId;
    summary.status = p.status;
    summary.dueAt = p.dueAt;
    if (p.event.action === 'submitted') {
      summary.submittedAt = p.event.data.submittedAt as number;
      summary.reference = p.event.data.reference as string;
    }
    c.emit(p.event.actor, `regulatory.${p.event.action}`, { reportId: p.reportId, ruleId: p.ruleId, jurisdiction: p.jurisdiction, ...p.event.data });
    if (p.event.action === 'breached') {
      c.state.escalations.push({ by: SYSTEM_ACTOR, at: ctx.at, target: 'regulator', level: 'qa', reason: `regulatory report overdue: ${p.ruleId}` });
      c.state.escalations.push({ by: SYSTEM_ACTOR, at: ctx.at, target: 'regulator', level: 'supervisor', reason: `regulatory report overdue: ${p.ruleId}` });
    }
  });
}

/** The cluster watch of the complaint's model and lot flagged a possible group event (once per alert). */
export function clusterFlagged(state: ComplaintState, ctx: Context, f: ClusterFlagged): Outcome {
  return transition(state, ctx, (c) => {
    if (c.state.cluster?.clusterAlertId === f.clusterAlertId) return;
    c.state.cluster = { ...f };
    c.emit(SYSTEM_ACTOR, 'cluster.flagged', { ...f, notify: ['qa', 'supervisor'] });
  });
}

/** QA confirmed the group event: each of its cases is filed as an individual report within 24 hours. */
export function groupEventConfirmed(state: ComplaintState, ctx: Context, g: GroupEventConfirmed): Outcome {
  return transition(state, ctx, (c) => {
    if (c.state.cluster && c.state.cluster.clusterAlertId === g.clusterAlertId) c.state.cluster.confirmedAt = g.confirmedAt;
    c.emit(g.confirmedBy, 'cluster.confirmed', { clusterAlertId: g.clusterAlertId, day0: g.day0 });
    openReport(c, 'cn.group.individual', g.day0, g.confirmedBy, `group event ${g.clusterAlertId} confirmed`);
  });
}
