/**
 * Every action a person takes on a complaint, declared once: its name, its HTTP path, the Temporal
 * message that carries it, the stages and roles that may take it, its payload (a zod schema: the
 * API validates bodies with it, the OpenAPI document is generated from it, the workflow's types
 * are inferred from it) and a label and help text in English and Chinese for the forms of the
 * workspace. The workflow's validators, the API's edge check and its documentation all read this
 * table; adding an action is one entry here plus its transition in workflows/transitions/.
 *
 * Pure data (zod and the SDK's message definitions): it is part of the workflow bundle.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ComplaintState } from './contract.js';
import { instant, optionalText, score, text, countryCode } from './fields.js';
import {
  CATEGORIES,
  CHANNELS,
  DEPARTMENTS,
  ESCALATION_TARGETS,
  REMEDIES,
  ROOT_CAUSES,
  SEVERITIES,
  type Actor,
  type Role,
  type Stage,
} from './model.js';
import { JURISDICTION, reportabilityFactsSchema } from './reportability-facts.js';
import { REPORTING_RULES } from './rules/regulatory.js';

/** Words for a person, in the two languages the desk works in. */
export interface Words {
  en: string;
  zh: string;
}

/** Who may take an action, and when. An action may have several (assess, then reassess later). */
export interface ActionRule {
  /** The rule's name: what a refusal and the permission table call it. */
  name: string;
  stages: readonly Stage[];
  roles: readonly Role[];
}

export interface ActionDeclaration {
  /** The Temporal message's name (an update, or the escalation signal). */
  name: string;
  /** POST /complaints/{id}/<path>. */
  path: string;
  message: 'update' | 'signal';
  /** The first rule whose stages include the complaint's stage applies; the last one otherwise. */
  rules: readonly ActionRule[];
  /** The HTTP body. The workflow receives it with the actor added and its instants as epoch ms. */
  body: z.ZodObject;
  /** Body fields that are ISO date-times over HTTP and epoch milliseconds in the workflow. */
  instants?: readonly string[];
  label: Words;
  help: Words;
  /** Where the API reference lists it (default: actions). */
  tag?: 'actions' | 'escalations' | 'regulatory';
  /** A body that works, shown in the API reference. */
  example?: Record<string, unknown>;
}

const OPEN_STAGES: Stage[] = ['intake', 'assessment', 'investigation', 'resolution', 'mediation', 'legal', 'feedback', 'revisit'];
const DESK: Role[] = ['agent', 'supervisor'];
const CONTACTERS: Role[] = ['agent', 'handler', 'supervisor'];
const INVESTIGATORS: Role[] = ['handler', 'qa', 'supervisor'];
const RULE_ID = z.enum(REPORTING_RULES.map((r) => r.id) as [string, ...string[]]);

/** One rule under the action's own name. */
const only = <const N extends string>(name: N, stages: readonly Stage[], roles: readonly Role[]) => [{ name, stages, roles }] as const;

export const ACTION_TABLE = [
  // ---- Intake
  {
    name: 'verifyComplainant',
    path: 'verify-complainant',
    message: 'update',
    rules: only('verifyComplainant', ['intake'], DESK),
    body: z.strictObject({ method: text(200), note: optionalText() }),
    label: { en: 'Verify the complainant', zh: '核实投诉人' },
    help: {
      en: "Records how the complainant's identity was checked (one of the three intake verifications).",
      zh: '记录如何核实投诉人身份（受理时的三项核实之一）。',
    },
    example: { method: 'called back on the hospital switchboard' },
  },
  {
    name: 'verifyItem',
    path: 'verify-item',
    message: 'update',
    rules: only('verifyItem', ['intake'], DESK),
    body: z.strictObject({
      checks: z.strictObject({
        product: z.boolean(),
        specification: z.boolean(),
        lot: z.boolean(),
        expiry: z.boolean(),
        manufacturer: z.boolean(),
      }),
      note: optionalText(),
    }),
    label: { en: 'Verify the item', zh: '核实产品' },
    help: {
      en: 'Records the item checks: product, specification, lot, expiry and maker.',
      zh: '记录产品核对：品名、规格、批号、有效期和生产企业。',
    },
    example: { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } },
  },
  {
    name: 'recordContact',
    path: 'contacts',
    message: 'update',
    rules: only('recordContact', OPEN_STAGES, CONTACTERS),
    body: z.strictObject({ channel: z.enum(CHANNELS), summary: text() }),
    label: { en: 'Record a contact with the complainant', zh: '记录与投诉人的联系' },
    help: { en: 'The first one meets the first-contact clock.', zh: '首次联系即满足首次联系时限。' },
    example: { channel: 'phone', summary: 'explained the next steps' },
  },
  {
    name: 'acknowledge',
    path: 'acknowledgement',
    message: 'update',
    rules: only('acknowledge', ['intake', 'assessment', 'investigation'], DESK),
    body: z.strictObject({ channel: z.enum(CHANNELS), expectedResolutionBy: instant.optional() }),
    instants: ['expectedResolutionBy'],
    label: { en: 'Send the acknowledgement', zh: '发送受理回执' },
    help: {
      en: 'With the expected resolution date (computed when not given); meets the acknowledgement clock.',
      zh: '附预计解决日期（未填写时自动计算）；满足受理回执时限。',
    },
    example: { channel: 'email' },
  },
  {
    name: 'completeIntake',
    path: 'complete-intake',
    message: 'update',
    rules: only('completeIntake', ['intake'], DESK),
    body: z.strictObject({}),
    label: { en: 'Complete intake', zh: '完成受理' },
    help: {
      en: 'Refused (409, with what is missing) until the verifications and the first contact are recorded.',
      zh: '三项核实和首次联系记录齐全之前会被拒绝（409，并说明缺少什么）。',
    },
    example: {},
  },
  // ---- Assessment, and re-assessment by a supervisor later on
  {
    name: 'assess',
    path: 'assessment',
    message: 'update',
    rules: [
      { name: 'assess', stages: ['assessment'], roles: DESK },
      // Re-classifying a running case moves its clocks: a supervisor's call.
      { name: 'reassess', stages: ['investigation', 'resolution'], roles: ['supervisor'] },
    ],
    body: z.strictObject({
      category: z.enum(CATEGORIES),
      severity: z.enum(SEVERITIES),
      patientSafety: z.boolean(),
      suspectedAdverseEvent: z.boolean(),
      reasonable: z.boolean(),
      department: z.enum(DEPARTMENTS),
      ownerId: text(100),
      rationale: optionalText(),
    }),
    label: { en: 'Assess (or re-assess) the complaint', zh: '评估（或重新评估）投诉' },
    help: {
      en: 'Category, severity, patient safety, suspected adverse event, reasonableness, department and owner; the category starts its clocks. Patient safety or a suspected adverse event makes it highest priority and never less than *major*. In investigation or resolution this is a re-assessment, a supervisor\'s call, and recomputes the open clocks.',
      zh: '类别、严重程度、患者安全、疑似不良事件、是否合理、责任部门和负责人；类别决定各项时限。涉及患者安全或疑似不良事件时优先级最高，严重程度不低于“重大”。在调查或处理阶段为重新评估，须由主管决定，并重新计算未结时限。',
    },
    example: { category: 'product_performance', severity: 'major', patientSafety: false, suspectedAdverseEvent: false, reasonable: true, department: 'quality', ownerId: 'handler-chen' },
  },
  {
    name: 'respond',
    path: 'responses',
    message: 'update',
    rules: only('respond', ['intake', 'assessment', 'investigation', 'resolution'], CONTACTERS),
    body: z.strictObject({ channel: z.enum(CHANNELS), summary: text() }),
    label: { en: 'Record a response to the complainant', zh: '记录对投诉人的答复' },
    help: { en: 'The first one meets the first-response clock.', zh: '首次答复即满足首次答复时限。' },
  },
  // ---- Investigation
  {
    name: 'recordFinding',
    path: 'findings',
    message: 'update',
    rules: only('recordFinding', ['investigation'], INVESTIGATORS),
    body: z.strictObject({
      department: z.enum(DEPARTMENTS),
      summary: text(),
      evidenceRefs: z.array(text(500)).max(50).default([]),
    }),
    label: { en: "Record a department's finding", zh: '记录部门调查结论' },
    help: {
      en: 'With its evidence references; the first meets the preliminary-verification clock.',
      zh: '附证据索引；首条结论即满足初步核实时限。',
    },
  },
  {
    name: 'setRootCause',
    path: 'root-cause',
    message: 'update',
    rules: only('setRootCause', ['investigation'], INVESTIGATORS),
    body: z.strictObject({ cause: z.enum(ROOT_CAUSES), note: optionalText() }),
    label: { en: 'Set the root cause', zh: '确定根本原因' },
    help: { en: 'What caused the problem, from the root-cause list.', zh: '从根本原因列表中选择问题的成因。' },
  },
  {
    name: 'waiveInvestigation',
    path: 'waive-investigation',
    message: 'update',
    // ISO 13485 / FDA allow skipping an investigation only with a recorded reason and decider.
    rules: only('waiveInvestigation', ['investigation'], ['supervisor', 'qa']),
    body: z.strictObject({ reason: text() }),
    label: { en: 'Waive the investigation', zh: '免除调查' },
    help: {
      en: 'Skipping the investigation needs a recorded reason and who decided (ISO 13485 / FDA).',
      zh: '免除调查须记录理由和决定人（ISO 13485 / FDA）。',
    },
  },
  {
    name: 'awaitCustomer',
    path: 'await-customer',
    message: 'update',
    rules: only('awaitCustomer', ['investigation', 'resolution'], CONTACTERS),
    body: z.strictObject({ reason: text() }),
    label: { en: 'Wait for the customer', zh: '等待客户回复' },
    help: { en: 'Pauses the service clocks until the customer responds.', zh: '暂停服务时限，直到客户回复。' },
  },
  {
    name: 'customerResponded',
    path: 'customer-response',
    message: 'update',
    rules: only('customerResponded', ['investigation', 'resolution'], CONTACTERS),
    body: z.strictObject({ note: optionalText() }),
    label: { en: 'The customer responded', zh: '客户已回复' },
    help: { en: 'Resumes the clocks paused by await-customer.', zh: '恢复因等待客户而暂停的时限。' },
  },
  {
    name: 'completeInvestigation',
    path: 'complete-investigation',
    message: 'update',
    rules: only('completeInvestigation', ['investigation'], INVESTIGATORS),
    body: z.strictObject({}),
    label: { en: 'Complete the investigation', zh: '完成调查' },
    help: { en: 'Needs a finding and a root cause (or a waiver).', zh: '须有调查结论和根本原因（或免除调查）。' },
  },
  // ---- Resolution
  {
    name: 'proposeRemedy',
    path: 'remedy',
    message: 'update',
    rules: only('proposeRemedy', ['resolution'], CONTACTERS),
    body: z.strictObject({ remedy: z.enum(REMEDIES), details: text() }),
    label: { en: 'Propose a remedy', zh: '提出处理方案' },
    help: { en: 'The supervisor approves it before the customer is told.', zh: '告知客户前须经主管批准。' },
  },
  {
    name: 'approveRemedy',
    path: 'remedy-approval',
    message: 'update',
    // Nobody promises the customer a remedy before the supervisor agrees to it.
    rules: only('approveRemedy', ['resolution'], ['supervisor']),
    body: z.strictObject({ approved: z.boolean(), note: optionalText() }),
    label: { en: 'Approve (or reject) the proposed remedy', zh: '批准（或驳回）处理方案' },
    help: { en: 'Approval meets the resolution clock.', zh: '批准即满足解决时限。' },
  },
  {
    name: 'recordCustomerDecision',
    path: 'customer-decision',
    message: 'update',
    rules: only('recordCustomerDecision', ['resolution'], DESK),
    body: z.strictObject({ accepted: z.boolean(), note: optionalText() }),
    label: { en: "Record the customer's decision on the remedy", zh: '记录客户对处理方案的决定' },
    help: {
      en: 'Accepted goes on to feedback; rejected calls for a new proposal or mediation.',
      zh: '接受则进入反馈；拒绝则需新的方案或调解。',
    },
  },
  // ---- Feedback and revisit
  {
    name: 'recordFeedback',
    path: 'feedback',
    message: 'update',
    rules: only('recordFeedback', ['feedback'], DESK),
    body: z.strictObject({ satisfied: z.boolean(), score, comment: optionalText() }),
    label: { en: "Record the customer's satisfaction", zh: '记录客户满意度' },
    help: { en: 'Dissatisfied reopens the investigation with a new resolution clock.', zh: '不满意则重新调查，并开始新的解决时限。' },
  },
  {
    name: 'recordRevisit',
    path: 'revisit',
    message: 'update',
    rules: only('recordRevisit', ['revisit'], DESK),
    body: z.strictObject({ deviceWorking: z.boolean(), solvedAtRoot: z.boolean(), score, note: optionalText() }),
    label: { en: 'Record the revisit', zh: '记录回访' },
    help: { en: 'Refused (409) until the revisit falls due; its outcome closes the case.', zh: '回访到期前会被拒绝（409）；记录回访结果后结案。' },
  },
  // ---- Any open stage
  {
    name: 'withdraw',
    path: 'withdrawal',
    message: 'update',
    rules: only('withdraw', OPEN_STAGES, DESK),
    body: z.strictObject({ reason: text() }),
    label: { en: 'Withdraw the complaint', zh: '撤回投诉' },
    help: { en: 'At any open stage, with a reason; every open clock is stopped.', zh: '任何未结阶段均可撤回，须说明理由；所有未结时限停止。' },
  },
  {
    name: 'reassign',
    path: 'assignment',
    message: 'update',
    rules: only('reassign', OPEN_STAGES, ['supervisor']),
    body: z.strictObject({ ownerId: text(100), department: z.enum(DEPARTMENTS).optional(), reason: text() }),
    label: { en: 'Reassign the complaint', zh: '重新分派投诉' },
    help: { en: 'A new owner (and department), with a reason.', zh: '指定新的负责人（和部门），须说明理由。' },
  },
  {
    name: 'addNote',
    path: 'notes',
    message: 'update',
    rules: only('addNote', OPEN_STAGES, ['agent', 'handler', 'supervisor', 'qa']),
    body: z.strictObject({ text: text(10_000) }),
    label: { en: 'Add a note', zh: '添加备注' },
    help: { en: 'A note on the record, for the people working the case.', zh: '记录在案的备注，供处理人员参考。' },
  },
  {
    name: 'escalate',
    path: 'escalations',
    message: 'signal',
    rules: only('escalate', OPEN_STAGES, ['supervisor']),
    body: z.strictObject({
      target: z.enum(ESCALATION_TARGETS),
      reason: text(),
      /** With target `regulator`: the reporting rule to start at once (e.g. `cn.serious`). */
      ruleId: RULE_ID.optional(),
      /** With target `mediation`: the mediation body, and the days it has (default 30). */
      mediator: optionalText(200),
      deadlineDays: z.number().int('must be a whole number').min(1).max(365).optional(),
    }),
    label: { en: 'Escalate', zh: '升级' },
    help: {
      en: "A supervisor's escalation: to the supervisor level, to third-party mediation (started at once in resolution or feedback) or to a regulator (a named rule starts its report at once). Recorded whatever the stage; refused (409) on a closed case.",
      zh: '主管升级：升至主管层级、第三方调解（处理或反馈阶段立即开始）或监管机构（指定规则时立即启动报告）。任何未结阶段都会记录；已结案件拒绝（409）。',
    },
    tag: 'escalations',
    example: { target: 'mediation', reason: 'the customer and the company cannot agree on a remedy', mediator: 'consumer association', deadlineDays: 30 },
  },
  {
    name: 'answerBreach',
    path: 'breach-answers',
    message: 'update',
    rules: only('answerBreach', OPEN_STAGES, ['supervisor']),
    body: z.strictObject({ clockId: text(100), response: text() }),
    label: { en: 'Answer an SLA breach', zh: '答复超时' },
    help: {
      en: "What is being done about it; an unanswered breach goes up to management after the policy's time (4 hours by default).",
      zh: '说明正在采取的措施；未答复的超时在规定时间后（默认 4 小时）升级至管理层。',
    },
    tag: 'escalations',
  },
  {
    name: 'decideReportability',
    path: 'reportability',
    message: 'update',
    // Reportability is QA's call, from assessment on; new facts may come at any later open stage.
    rules: only('decideReportability', ['assessment', 'investigation', 'resolution', 'mediation', 'legal', 'feedback', 'revisit'], ['qa']),
    body: z.strictObject({
      facts: reportabilityFactsSchema,
      decisions: z
        .array(z.strictObject({ jurisdiction: JURISDICTION, reportable: z.boolean(), ruleId: RULE_ID.optional(), reason: optionalText() }))
        .max(3)
        .optional(),
      note: optionalText(),
    }),
    label: { en: 'Decide reportability to regulators', zh: '判定是否需向监管机构报告' },
    help: {
      en: "QA's decision per jurisdiction (CN, US, EU) on the facts given: confirms the rules' proposal, or departs from it with a `reason`. Starts (or tightens) the report clocks.",
      zh: '质量部门按辖区（中国、美国、欧盟）根据事实作出判定：确认规则的建议，或说明理由后另作决定。启动（或收紧）报告时限。',
    },
    tag: 'regulatory',
  },
  {
    name: 'closeLegalRoute',
    path: 'legal-closure',
    message: 'update',
    rules: only('closeLegalRoute', ['legal'], ['supervisor']),
    body: z.strictObject({ outcome: text(500), note: optionalText() }),
    label: { en: 'Close a case on the legal route', zh: '法律途径结案' },
    help: { en: 'With the legal outcome.', zh: '记录法律途径的结果。' },
  },
] as const satisfies readonly ActionDeclaration[];

type Table = (typeof ACTION_TABLE)[number];
/** An action's name (its Temporal message). */
export type ActionName = Table['name'];
export type ActionEntry<N extends ActionName = ActionName> = Extract<Table, { name: N }>;
/** A permission rule's name: every action's, and the second rules' (reassess). */
export type RuleName = Table['rules'][number]['name'];
export type ActionPath = Table['path'];

type Instants<N extends ActionName> = ActionEntry<N> extends { instants?: readonly (infer K extends string)[] } ? K : never;
/** What the workflow receives: the body as the API parsed it, its instants in epoch ms, and who acts. */
export type ActionArgs<N extends ActionName> = Omit<z.output<ActionEntry<N>['body']>, Instants<N>> & {
  [K in Instants<N>]?: number;
} & { actor: Actor };
/** The HTTP body before parsing (defaults not yet applied). */
export type ActionBody<N extends ActionName> = z.input<ActionEntry<N>['body']>;

export const ACTIONS: Readonly<{ [N in ActionName]: ActionEntry<N> }> = Object.fromEntries(ACTION_TABLE.map((a) => [a.name, a])) as never;

type UpdateName = Extract<Table, { message: 'update' }>['name'];
/** Each update action's Temporal update; every one answers with the complaint's new state. */
export const updates: Readonly<{ [N in UpdateName]: UpdateDefinition<ComplaintState, [ActionArgs<N>]> }> = Object.fromEntries(
  ACTION_TABLE.filter((a) => a.message === 'update').map((a) => [a.name, defineUpdate(a.name)]),
) as never;
/** The supervisor's escalation: a signal, recorded whatever the stage (the API refuses closed cases). */
export const escalateSignal: SignalDefinition<[ActionArgs<'escalate'>]> = defineSignal('escalate');

/** The rule that applies to an action in a stage: the first that allows the stage, the last otherwise. */
export function ruleFor(name: ActionName, stage: Stage): ActionRule {
  const rules: readonly ActionRule[] = ACTIONS[name].rules;
  return rules.find((r) => r.stages.includes(stage)) ?? rules[rules.length - 1];
}

/** The roles that may take an action in some stage: the edge refuses the others before reading the body. */
export function rolesFor(name: ActionName): Role[] {
  return [...new Set((ACTIONS[name].rules as readonly ActionRule[]).flatMap((r) => r.roles))];
}

/** The stages an action may be taken in, by any of its rules. */
export function stagesFor(name: ActionName): Stage[] {
  return [...new Set((ACTIONS[name].rules as readonly ActionRule[]).flatMap((r) => r.stages))];
}

/** Epoch milliseconds for the instants an action's body carries as ISO strings. */
export function toWorkflowArgs<N extends ActionName>(name: N, body: Record<string, unknown>, actor: Actor): ActionArgs<N> {
  const out: Record<string, unknown> = { ...body, actor };
  for (const field of (ACTIONS[name] as ActionDeclaration).instants ?? []) {
    if (typeof out[field] === 'string') out[field] = Date.parse(out[field] as string);
  }
  return out as ActionArgs<N>;
}

/**
 * What is wrong with a payload by the table's schema, or undefined: the same check the API makes,
 * for a client that reaches the workflow without it. Instants are checked as the ISO strings they
 * were over HTTP; the first problem is named by its field.
 */
export function payloadProblem(name: ActionName, args: Record<string, unknown>): string | undefined {
  const entry = ACTIONS[name] as ActionDeclaration;
  const { actor: _actor, ...body } = args ?? {};
  for (const field of entry.instants ?? []) {
    if (typeof body[field] === 'number') body[field] = new Date(body[field] as number).toISOString();
  }
  const parsed = entry.body.safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`;
}
