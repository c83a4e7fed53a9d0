/**
 * The complaint as the process sees it: the trade's vocabulary in types.
 * Shared by the workflow, the activities and the API (which validates against these lists).
 */

export const STAGES = [
  'intake',
  'assessment',
  'investigation',
  'resolution',
  'mediation', // with a third-party mediation body
  'legal', // mediation failed: the legal route, until a supervisor closes it with the outcome
  'feedback',
  'revisit',
  'closed',
  'withdrawn',
] as const;
export type Stage = (typeof STAGES)[number];
export const FINAL_STAGES: readonly Stage[] = ['closed', 'withdrawn'];

/** The five complaint categories (投诉分类) of the service standard. */
export const CATEGORIES = [
  'product_performance', // 产品性能与技术
  'after_sales_service', // 售后服务
  'communication', // 沟通与咨询
  'order_logistics', // 订单与物流
  'other', // invoices, contract terms
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Severity tiers: a crisis also goes to management's crisis team. */
export const SEVERITIES = ['general', 'major', 'crisis'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ROLES = ['agent', 'handler', 'supervisor', 'qa', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const CHANNELS = ['phone', 'email', 'web_form', 'letter', 'sms', 'wechat', 'walk_in', 'sales_rep'] as const;
export type Channel = (typeof CHANNELS)[number];

export const COMPLAINANT_ROLES = [
  'patient',
  'clinician',
  'hospital',
  'distributor',
  'consumer',
  'platform_merchant',
] as const;
export type ComplainantRole = (typeof COMPLAINANT_ROLES)[number];

/** What the complainant asks for (ISO 10002: record the remedy requested). */
export const REQUESTED_REMEDIES = [
  'repair',
  'replacement',
  'return',
  'refund',
  'explanation',
  'compensation',
] as const;
export type RequestedRemedy = (typeof REQUESTED_REMEDIES)[number];

export const DEPARTMENTS = [
  'quality',
  'service',
  'technical_support',
  'production',
  'logistics',
  'administration',
] as const;
export type Department = (typeof DEPARTMENTS)[number];

export const ROOT_CAUSES = [
  'design',
  'manufacturing',
  'transport_storage',
  'use_error',
  'service',
  'not_confirmed',
] as const;
export type RootCause = (typeof ROOT_CAUSES)[number];

export const REMEDIES = [
  'repair',
  'replacement',
  'return',
  'refund',
  'apology',
  'compensation',
  'rectification',
  'training',
  'supplier_claim',
] as const;
export type Remedy = (typeof REMEDIES)[number];

export const ESCALATION_TARGETS = ['supervisor', 'mediation', 'regulator'] as const;
export type EscalationTarget = (typeof ESCALATION_TARGETS)[number];

export interface Actor {
  id: string;
  role: Role;
}

/** The system itself acts for timers (breaches, revisit due). */
export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'admin' };

/** Who complains. Personal data: never logged, never a search attribute. */
export interface Complainant {
  name: string;
  role: ComplainantRole;
  organisation?: string;
  phone?: string;
  email?: string;
  address?: string;
}

export interface Device {
  productName: string;
  model?: string;
  specification?: string;
  serialNumber?: string;
  lot?: string;
  udi?: string;
  expiryDate?: string; // YYYY-MM-DD
  manufacturer?: string;
  supplier?: string;
  purchaseDate?: string; // YYYY-MM-DD
}

export interface AdverseEventFacts {
  occurredAt?: string; // ISO instant
  location?: string;
  country?: string; // ISO 3166 alpha-2, where the event happened
  description: string;
  impactScope?: string;
  patientHarmed: boolean;
  inUseOnPatient: boolean;
}

/** The intake card (受理登记): everything recorded when a complaint is received. */
export interface IntakeRecord {
  channel: Channel;
  complainant: Complainant;
  device: Device;
  event: AdverseEventFacts;
  requestedRemedies: RequestedRemedy[];
  mood?: string;
  sampleAvailable: boolean;
  /** When the distributor (if any) became aware; the company's awareness is the receipt time. */
  distributorAwareAt?: string;
}
