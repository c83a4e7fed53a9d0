/**
 * The audit export as a printable page (GET /complaints/{id}/audit.html): self-contained HTML, the
 * same content as the JSON export, every value escaped. Rendering only: audit-export.ts builds the
 * export and serves both.
 */
import type { WorkflowEvidence } from './audit-evidence.js';
import type { AuditEvent, AuditExport } from './audit-export.js';

/** Markup that is already safe. Everything else interpolated into `html` is escaped. */
class Html {
  constructor(readonly text: string) {}
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

function piece(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(piece).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((value, i) => {
    out += piece(value) + strings[i + 1];
  });
  return new Html(out);
}

/** An instant as the document shows it: UTC, to the millisecond. */
function utc(value: string | undefined): string {
  if (!value) return '—';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

function duration(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  const d = Math.floor(rest / 86_400_000);
  rest -= d * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (rest || parts.length === 0) parts.push(`${(rest / 1000).toFixed(3).replace(/\.?0+$/, '')} s`);
  return parts.join(' ');
}

const yesNo = (v: boolean | undefined | null) => (v === undefined || v === null ? '—' : v ? 'yes' : 'no');
const who = (a: { id: string; role: string } | undefined) => (a ? `${a.id} (${a.role})` : '—');
const isInstantKey = (key: string) => /^(at|from|to|day0)$|At$|By$/.test(key);

/** An event's data as lines of `key: value`, nested keys joined with dots. */
function detailLines(data: unknown, prefix = ''): Array<[string, string]> {
  if (data === null || data === undefined) return [];
  if (Array.isArray(data)) {
    if (data.every((v) => v === null || typeof v !== 'object')) return [[prefix, data.map(String).join(', ')]];
    return data.flatMap((item, i) => detailLines(item, `${prefix}[${i + 1}]`));
  }
  if (typeof data === 'object') {
    return Object.entries(data as Record<string, unknown>).flatMap(([k, v]) => detailLines(v, prefix ? `${prefix}.${k}` : k));
  }
  const key = prefix.split('.').at(-1) ?? '';
  if (isInstantKey(key) && typeof data === 'number' && Number.isFinite(data)) return [[prefix, utc(new Date(data).toISOString())]];
  return [[prefix, typeof data === 'string' && isInstantKey(key) ? utc(data) : String(data)]];
}

function details(data: unknown): Html {
  const lines = detailLines(data);
  if (lines.length === 0) return html`<span class="muted">—</span>`;
  return html`${lines.map(([k, v]) => html`<div><span class="k">${k}:</span> ${v}</div>`)}`;
}

function lines(items: Array<Html | string | undefined | false>): Html {
  const kept = items.filter((i): i is Html | string => Boolean(i));
  if (kept.length === 0) return html`<span class="muted">none recorded</span>`;
  return html`${kept.map((i) => html`<div>${i}</div>`)}`;
}

const CSS = `
  :root { color-scheme: light; }
  * { box-sizing: border-box; }
  body { font: 10pt/1.35 "Helvetica Neue", Arial, "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #111; margin: 1.5rem; }
  h1 { font-size: 16pt; margin: 0 0 .2rem; }
  h2 { font-size: 12.5pt; margin: 1.4rem 0 .4rem; border-bottom: 1.5px solid #333; padding-bottom: .15rem; break-after: avoid; }
  h3 { font-size: 11pt; margin: 1rem 0 .3rem; break-after: avoid; }
  .sub { color: #333; margin: 0 0 .6rem; }
  .meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .4rem 0; }
  .meta dt { font-weight: 600; }
  .meta dd { margin: 0; }
  table { width: 100%; border-collapse: collapse; margin: .3rem 0 .8rem; table-layout: auto; }
  th, td { border: 1px solid #999; padding: .2rem .35rem; vertical-align: top; text-align: left; overflow-wrap: break-word; }
  th { background: #eee; font-weight: 600; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
  .k { color: #444; }
  .muted { color: #666; }
  .notice { border: 1px solid #b36b00; background: #fff5e6; padding: .4rem .6rem; margin: .4rem 0; }
  .breached { color: #a00000; font-weight: 600; }
  .mono { font-family: "SFMono-Regular", Consolas, "Liberation Mono", monospace; font-size: 9pt; word-break: break-all; }
  footer { margin-top: 1.6rem; border-top: 1.5px solid #333; padding-top: .5rem; }
  @page { size: A4; margin: 14mm 12mm; }
  @media print {
    body { margin: 0; font-size: 9pt; }
    a { color: inherit; text-decoration: none; }
    h2 { break-before: auto; }
  }
`;

type AuditRecord = AuditExport['record'];

function ofAction(events: AuditEvent[], ...actions: string[]) {
  return events.filter((e) => actions.includes(e.action));
}

const ref = (e: AuditEvent) => html`<span class="muted">(#${e.seq}, ${utc(e.at)}, ${who(e.actor)})</span>`;

/** The fields 21 CFR 820.35(a) (QMSR), ISO 13485:2016 8.2.2 and ISO 10002 require of a complaint record. */
function requiredFields(exp: AuditExport): Array<[string, string, Html]> {
  const r: AuditRecord = exp.record;
  const ev = exp.events;
  const d = (e: AuditEvent, key: string) => e.data[key];
  const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Array.isArray(v) ? v.join(', ') : String(v));
  const field = (label: string, v: unknown) => (str(v) === undefined ? undefined : html`<span class="k">${label}:</span> ${str(v)}`);
  const waivers = ofAction(ev, 'investigation.waived');
  const reportability = ofAction(ev, 'reportability.decided');
  return [
    ['Unique identifier', 'ISO 10002', lines([field('Complaint number', exp.number), field('Complaint ID', exp.complaintId)])],
    ['Device name', '820.35(a)', lines([field('Product', r.device.productName), field('Model', r.device.model), field('Specification', r.device.specification), field('Manufacturer', r.device.manufacturer), field('Supplier', r.device.supplier)])],
    ['Device identification (UDI, lot, serial)', '820.35(a)', lines([field('UDI', r.device.udi), field('Lot', r.device.lot), field('Serial number', r.device.serialNumber), field('Expiry', r.device.expiryDate), field('Purchased', r.device.purchaseDate)])],
    ['Date received', '820.35(a)', lines([field('Received', utc(r.receivedAt)), field('Received by', r.receivedBy), field('Channel', r.channel), r.distributorAwareAt && field('Distributor aware', utc(r.distributorAwareAt))])],
    ['Complainant name, address and phone', '820.35(a)', lines([field('Name', r.complainant.name), field('Role', r.complainant.role), field('Organisation', r.complainant.organisation), field('Address', r.complainant.address), field('Phone', r.complainant.phone), field('Email', r.complainant.email)])],
    ['Nature and details of the complaint', '820.35(a)', lines([
      field('Description', r.event.description),
      r.event.occurredAt && field('Occurred', utc(r.event.occurredAt)),
      field('Location', r.event.location),
      field('Country', r.event.country),
      field('Patient harmed', yesNo(r.event.patientHarmed)),
      field('In use on a patient (treatment or diagnosis)', yesNo(r.event.inUseOnPatient)),
      field('Impact', r.event.impactScope),
    ])],
    ['Remedy the complainant asks for', 'ISO 10002', lines([field('Requested', r.requestedRemedies), field('Sample available', yesNo(r.sampleAvailable))])],
    ['Assessment', 'ISO 13485 8.2.2', lines([
      field('Category', r.category), field('Severity', r.severity), field('Priority', r.priority),
      field('Patient safety', r.patientSafety === undefined ? undefined : yesNo(r.patientSafety)),
      field('Suspected adverse event', r.suspectedAdverseEvent === undefined ? undefined : yesNo(r.suspectedAdverseEvent)),
      field('Department', r.department), field('Owner', r.ownerId),
      ...ofAction(ev, 'assessed', 'reassessed').map((e) => html`${e.action} ${ref(e)}`),
    ])],
    ['Dates and results of the investigation', '820.35(a)', lines([
      ...ofAction(ev, 'finding.recorded').map((e) => html`<span class="k">Finding</span> (${str(d(e, 'department'))}): ${str(d(e, 'summary'))}${str(d(e, 'evidenceRefs')) ? html` — evidence: ${str(d(e, 'evidenceRefs'))}` : ''} ${ref(e)}`),
      ...ofAction(ev, 'root_cause.set').map((e) => html`<span class="k">Root cause:</span> ${str(d(e, 'cause'))}${str(d(e, 'note')) ? html` — ${str(d(e, 'note'))}` : ''} ${ref(e)}`),
      ...ofAction(ev, 'stage.changed').filter((e) => d(e, 'from') === 'investigation').map((e) => html`<span class="k">Investigation ended</span> → ${str(d(e, 'to'))} ${ref(e)}`),
    ])],
    ['If not investigated: the reason and who decided', '820.35(a)', waivers.length
      ? lines(waivers.map((e) => html`<span class="k">Waived:</span> ${str(d(e, 'reason'))} ${ref(e)}`))
      : html`<span class="muted">no waiver recorded</span>`],
    ['Correction or corrective action', '820.35(a), ISO 13485 8.2.2', lines([
      field('Remedy on record', r.remedy),
      ...ofAction(ev, 'remedy.proposed', 'remedy.approved', 'remedy.declined', 'remedy.accepted_by_customer', 'remedy.rejected_by_customer').map(
        (e) => html`${e.action}: ${str(d(e, 'remedy'))}${str(d(e, 'details')) ? html` — ${str(d(e, 'details'))}` : ''}${str(d(e, 'note')) ? html` — ${str(d(e, 'note'))}` : ''} ${ref(e)}`,
      ),
    ])],
    ['Replies to the complainant', '820.35(a), ISO 10002', lines(
      ofAction(ev, 'complainant.contacted', 'complainant.acknowledged', 'complainant.responded').map(
        (e) => html`${e.action} by ${str(d(e, 'channel'))}${str(d(e, 'summary')) ? html`: ${str(d(e, 'summary'))}` : ''}${d(e, 'expectedResolutionBy') ? html` — expected resolution ${utc(String(d(e, 'expectedResolutionBy')))}` : ''} ${ref(e)}`,
      ),
    )],
    ['Reporting to authorities', 'ISO 13485 8.2.2, 820.35, 21 CFR 803', lines([
      field('Marked for the regulator', yesNo(r.markedForRegulator)),
      ...reportability.map((e) => html`<span class="k">Reportability decided</span> ${ref(e)}: ${details({ facts: d(e, 'facts'), decided: d(e, 'decided') })}`),
      ...exp.regulatoryReports.map((rep) => html`<span class="k">Report</span> ${rep.reportId} (${rep.citation}): ${rep.status}${rep.reference ? html`, reference ${rep.reference}` : ''}`),
    ])],
    ['Returned product and product holds', 'ISO 13485 8.2.2', lines([
      field('Sample available', yesNo(r.sampleAvailable)),
      ...ofAction(ev, 'product.hold_placed', 'product.hold_linked', 'product.hold_released').map((e) => html`${e.action}: ${details(e.data)} ${ref(e)}`),
    ])],
    ['Customer feedback and revisit', 'ISO 10002', lines([
      field('Satisfaction score', r.satisfactionScore),
      ...ofAction(ev, 'feedback.recorded', 'revisit.recorded').map((e) => html`${e.action}: ${details(e.data)} ${ref(e)}`),
    ])],
    ['Status', '', lines([
      field('Stage', r.stage), field('Reopened', r.reopenCount), field('SLA breached', yesNo(r.slaBreached)),
      field('Marked for mediation', yesNo(r.markedForMediation)),
      r.closedAt && field('Closed', utc(r.closedAt)), field('Withdrawn', r.withdrawnReason),
      field('Last trail entry', r.lastEventSeq),
    ])],
  ];
}

function workflowSection(title: string, w: WorkflowEvidence): Html {
  if (!w.historyAvailable) {
    return html`<h3>${title}</h3><p class="notice"><strong>Workflow history not available</strong> for <span class="mono">${w.workflowId}</span>: ${w.reason}.</p>`;
  }
  // One line per deadline (a clock's due time, a warning...), with the trail entries that name it.
  const explain = (items: Array<{ point: string; clockId?: string; reportId?: string; seq?: number; action?: string }>) => {
    const grouped = new Map<string, { label: string; refs: string[] }>();
    for (const x of items) {
      const label = `${x.point} of ${x.clockId ?? x.reportId ?? 'the case'}`;
      const group = grouped.get(label) ?? { label, refs: [] };
      if (x.seq !== undefined) group.refs.push(`#${x.seq} ${x.action ?? ''}`.trim());
      grouped.set(label, group);
    }
    if (grouped.size === 0) return html`<span class="muted">—</span>`;
    return [...grouped.values()].map((g) => html`<div>${g.label}${g.refs.length ? html` <span class="muted">(trail ${g.refs.join(', ')})</span>` : ''}</div>`);
  };
  return html`
    <h3>${title}</h3>
    <dl class="meta">
      <dt>Workflow ID</dt><dd class="mono">${w.workflowId}</dd>
      <dt>Type, run</dt><dd>${w.workflowType ?? '—'} <span class="mono">${w.runId ?? ''}</span></dd>
      <dt>Started</dt><dd>${utc(w.startedAt)}</dd>
      <dt>Closed</dt><dd>${w.closed ? `${utc(w.closed.at)} (${w.closed.status})` : 'running'}</dd>
      <dt>History events</dt><dd>${w.historyLength}</dd>
    </dl>
    <h3>Timers</h3>
    ${w.timers.length === 0 ? html`<p class="muted">No timers.</p>` : html`
    <table>
      <thead><tr><th>Timer</th><th>Set at (workflow time, UTC)</th><th>Duration</th><th>Set to fire at (UTC)</th><th>Outcome (UTC)</th><th>Deadline it was set for</th></tr></thead>
      <tbody>${w.timers.map((t) => html`<tr>
        <td class="num">${t.timerId}<br><span class="muted">event ${t.startedEventId}</span></td>
        <td class="time">${utc(t.workflowTime ?? t.startedAt)}</td>
        <td class="num">${duration(t.durationMs)}</td>
        <td class="time">${utc(t.firesAt)}</td>
        <td class="time">${t.status === 'fired' ? html`fired ${utc(t.firedAt)}` : t.status === 'canceled' ? html`canceled ${utc(t.canceledAt)}` : 'pending'}</td>
        <td>${explain(t.explains)}</td></tr>`)}</tbody>
    </table>`}
    <h3>Updates (actions) accepted</h3>
    ${w.updates.length === 0 ? html`<p class="muted">No updates.</p>` : html`
    <table>
      <thead><tr><th>Update</th><th>Workflow time (its trail entries’ time)</th><th>Accepted (UTC)</th><th>Completed (UTC)</th><th>Actor</th><th>Update ID</th></tr></thead>
      <tbody>${w.updates.map((u) => html`<tr><td>${u.name}</td><td class="time">${utc(u.workflowTime)}</td><td class="time">${utc(u.acceptedAt)}</td>
        <td class="time">${u.completedAt ? utc(u.completedAt) : '—'} ${u.outcome === 'completed' ? '' : html`<span class="breached">${u.outcome}${u.failureType ? ` (${u.failureType})` : ''}</span>`}</td>
        <td>${who(u.actor)}</td><td class="mono">${u.updateId}</td></tr>`)}</tbody>
    </table>`}
    <h3>Signals received</h3>
    ${w.signals.length === 0 ? html`<p class="muted">No signals.</p>` : html`
    <table>
      <thead><tr><th>Signal</th><th>Received (UTC)</th><th>Actor</th><th>Event</th></tr></thead>
      <tbody>${w.signals.map((s) => html`<tr><td>${s.name}</td><td class="time">${utc(s.at)}</td><td>${who(s.actor)}</td><td class="num">${s.eventId}</td></tr>`)}</tbody>
    </table>`}
    <h3>Activities</h3>
    ${w.activities.length === 0 ? html`<p class="muted">No activities.</p>` : html`
    <table>
      <thead><tr><th>Activity</th><th>Scheduled (UTC)</th><th>Closed (UTC)</th><th>Outcome</th><th>Attempt</th></tr></thead>
      <tbody>${w.activities.map((a) => html`<tr><td>${a.type}${a.local ? html` <span class="muted">(local)</span>` : ''}</td><td class="time">${utc(a.scheduledAt)}</td><td class="time">${utc(a.closedAt)}</td><td>${a.outcome}</td><td class="num">${a.attempt ?? '—'}</td></tr>`)}</tbody>
    </table>`}
    ${w.childWorkflows.length === 0 ? '' : html`
    <h3>Child workflows</h3>
    <table>
      <thead><tr><th>Workflow</th><th>Type</th><th>Started (UTC)</th><th>Closed (UTC)</th><th>Outcome</th></tr></thead>
      <tbody>${w.childWorkflows.map((c) => html`<tr><td class="mono">${c.workflowId}</td><td>${c.workflowType}</td><td class="time">${utc(c.startedAt ?? c.initiatedAt)}</td><td class="time">${utc(c.closedAt)}</td><td>${c.outcome}</td></tr>`)}</tbody>
    </table>`}`;
}

export function renderAuditHtml(exp: AuditExport): string {
  const r = exp.record;
  const deviceLine = [r.device.productName, r.device.model, r.device.lot && `lot ${r.device.lot}`, r.device.serialNumber && `SN ${r.device.serialNumber}`].filter(Boolean).join(' · ');
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>Complaint file ${exp.number}</title>
<style>${new Html(CSS)}</style>
</head>
<body>
<header>
  <h1>Complaint file ${exp.number}</h1>
  <p class="sub">${deviceLine}</p>
  <dl class="meta">
    <dt>Complaint ID</dt><dd class="mono">${exp.complaintId}</dd>
    <dt>Received</dt><dd>${utc(r.receivedAt)} by ${r.receivedBy} (${r.channel})</dd>
    <dt>Stage</dt><dd>${r.stage}${r.closedAt ? ` — closed ${utc(r.closedAt)}` : ''}${r.withdrawnReason ? ' — withdrawn' : ''}</dd>
    <dt>SLA breached</dt><dd>${yesNo(r.slaBreached)}</dd>
    <dt>Generated</dt><dd>${utc(exp.generatedAt)} by ${who(exp.generatedBy)}</dd>
  </dl>
  <p class="muted">Contains personal data of the complainant. Confidential: for quality, regulatory and audit use only.</p>
</header>

<main>
<h2>Complaint record</h2>
<p class="muted">The content 21 CFR 820.35(a) (QMSR), ISO 13485:2016 8.2.2 and ISO 10002 require of a complaint record; “#n” refers to entry n of the event trail below.</p>
<table>
  <thead><tr><th style="width:22%">Requirement</th><th style="width:12%">Source</th><th>Recorded</th></tr></thead>
  <tbody>${requiredFields(exp).map(([label, source, value]) => html`<tr><th scope="row">${label}</th><td>${source}</td><td>${value}</td></tr>`)}</tbody>
</table>

<h2>Event trail</h2>
<p class="muted">Append-only: the database refuses changes and deletions, and no endpoint offers them. Each entry: who (signed-in actor and role), when (UTC), what (action) and why (details).</p>
<table>
  <thead><tr><th class="num">Seq</th><th>Time (UTC)</th><th>Actor (role)</th><th>Action</th><th>Details</th></tr></thead>
  <tbody>${exp.events.map((e) => html`<tr><td class="num">${e.seq}</td><td class="time">${utc(e.at)}</td><td>${who(e.actor)}</td><td>${e.action}</td><td>${details(e.data)}</td></tr>`)}</tbody>
</table>

<h2>Service-level clocks</h2>
${exp.clocks.length === 0 ? html`<p class="muted">No clocks.</p>` : html`
<table>
  <thead><tr><th>Clock</th><th>Status</th><th>Started (UTC)</th><th>Due (UTC)</th><th>Met (UTC)</th><th>Breached (UTC)</th><th>Cancelled (UTC)</th><th>Pauses</th></tr></thead>
  <tbody>${exp.clocks.map((k) => html`<tr>
    <td>${k.clockId}<br><span class="muted">${k.calendarId}${k.beyondCalendar ? ', beyond the calendar’s known dates' : ''}</span></td>
    <td class="${k.status === 'breached' ? 'breached' : ''}">${k.status}</td>
    <td class="time">${utc(k.startedAt)}</td><td class="time">${utc(k.dueAt)}</td><td class="time">${utc(k.metAt)}</td>
    <td class="time ${k.breachedAt ? 'breached' : ''}">${utc(k.breachedAt)}</td><td class="time">${utc(k.cancelledAt)}</td>
    <td>${k.pauses.length ? k.pauses.map((p) => html`<div>${utc(p.from)} → ${p.to ? utc(p.to) : 'open'}</div>`) : '—'}</td></tr>`)}</tbody>
</table>`}

<h2>Reports to regulators</h2>
${exp.regulatoryReports.length === 0 ? html`<p class="muted">No reports to regulators.</p>` : html`
<table>
  <thead><tr><th>Report</th><th>Rule</th><th>Day 0 (UTC)</th><th>Due (UTC)</th><th>Status</th><th>Submitted (UTC)</th><th>Reference</th></tr></thead>
  <tbody>${exp.regulatoryReports.map((rep) => html`<tr>
    <td class="mono">${rep.reportId}</td><td>${rep.jurisdiction}: ${rep.citation}<br><span class="muted">${rep.description}</span></td>
    <td class="time">${utc(rep.day0)}</td><td class="time">${utc(rep.dueAt)}${rep.dueDate ? html`<br>(${rep.dueDate})` : ''}</td>
    <td class="${rep.status === 'overdue' || rep.breachedAt ? 'breached' : ''}">${rep.status}${rep.breachedAt ? html`<br>breached ${utc(rep.breachedAt)}` : ''}</td>
    <td class="time">${utc(rep.submittedAt)}</td><td>${rep.reference ?? '—'}${rep.submittedBy ? html`<br><span class="muted">by ${rep.submittedBy}</span>` : ''}</td></tr>`)}</tbody>
</table>`}

<h2>Clock evidence from the workflow history</h2>
<p class="muted">Read from Temporal’s event history of the complaint’s workflow. A timer is set at the workflow’s own time for the next deadline; “set to fire at” is that time plus the timer’s duration, and is matched to the clock or trail entry due at that instant.</p>
${workflowSection('Complaint workflow', exp.workflow)}
${exp.reportWorkflows.map((w) => workflowSection(`Regulatory report workflow ${w.workflowId}`, w))}
</main>

<footer>
  <dl class="meta">
    <dt>Generated</dt><dd>${utc(exp.generatedAt)}</dd>
    <dt>Generated by</dt><dd>${who(exp.generatedBy)}</dd>
    <dt>Format</dt><dd>${exp.format}</dd>
    <dt>Digest (${exp.digest.algorithm})</dt><dd class="mono">${exp.digest.value}</dd>
  </dl>
  <p class="muted">The digest is the ${exp.digest.algorithm} of the ${exp.digest.canonicalization} canonical JSON of GET /complaints/${exp.complaintId}/audit, covering ${exp.digest.covers}. A JSON export with the same digest holds exactly the data printed here.</p>
</footer>
</body>
</html>
`;
  return doc.text;
}
