/**
 * Service-level policy: which clocks a complaint runs and how long each may take.
 * Held in PostgreSQL as data (these are the defaults seeded there) and handed to the workflow
 * by an activity, so a policy change never alters a complaint's history on replay.
 */
import type { Category, Severity } from '../model.js';

/**
 * How long a clock runs:
 * - `working`: minutes of working time on the business calendar;
 * - `workingDays`: whole standard working days (converted to working time: 2 days = 2 × 8 h);
 * - `calendar`: minutes of elapsed time, nights and holidays included;
 * - `endOfWorkingDay`: by the end of the working day of receipt ("same day").
 */
export type ClockSpec =
  | { basis: 'working'; minutes: number }
  | { basis: 'workingDays'; days: number }
  | { basis: 'calendar'; minutes: number }
  | { basis: 'endOfWorkingDay' };

export const CLOCK_KINDS = [
  'firstContact', // the desk reaches the complainant
  'acknowledgement', // written receipt with the expected resolution date
  'firstResponse', // the category's first substantive reply
  'preliminaryVerification', // the responsible department's first finding
  'resolution', // a remedy approved for the customer
] as const;
export type ClockKind = (typeof CLOCK_KINDS)[number];

export interface CategoryServiceLevel {
  firstResponse: ClockSpec;
  /** null: no category target ("reasonable time"); the severity tier alone applies. */
  resolution: ClockSpec | null;
  revisit: {
    /** Calendar days after feedback before the customer is contacted again. */
    afterDays: number;
    /** Share of complaints (0..1) that get a revisit; chosen deterministically per complaint. */
    share: number;
  };
}

export interface ServiceLevelPolicy {
  id: string;
  version: number;
  calendarId: string;
  general: {
    firstContact: ClockSpec;
    acknowledgement: ClockSpec;
    preliminaryVerification: ClockSpec;
  };
  categories: Record<Category, CategoryServiceLevel>;
  /** Resolution target by severity; the tighter of this and the category's applies. */
  severity: Record<Severity, ClockSpec>;
  /** Fractions of a clock's time at which a warning is raised (e.g. half time, and 90 %). */
  warningFractions: number[];
  /** Policies written before several warnings were possible had one fraction; read, never written. */
  warningAt?: number;
  /** A breach the supervisor has not answered within this many minutes goes up to management. */
  escalation: { unansweredBreachMinutes: number };
  /** Reminders before a report to a regulator is due: fractions of its time, and hours before. */
  regulatoryReminders?: { fractions: number[]; hoursBeforeDue: number[] };
  /** Possible group (cluster) adverse events: complaints with patient harm on one model and lot. */
  clusterDetection: {
    windowDays: number;
    /** This many complaints within the window flag the model and lot. */
    threshold: number;
  };
}

const revisitEveryCase = { afterDays: 7, share: 1 };

/** The defaults of the source documents (domain.md, "Default service levels" and "More rules"). */
export const DEFAULT_POLICY: ServiceLevelPolicy = {
  id: 'default',
  version: 1,
  calendarId: 'CN',
  general: {
    firstContact: { basis: 'working', minutes: 4 * 60 }, // distributor rule: contact within 4 h
    acknowledgement: { basis: 'calendar', minutes: 24 * 60 }, // receipt within 24 h
    preliminaryVerification: { basis: 'workingDays', days: 3 },
  },
  categories: {
    product_performance: {
      firstResponse: { basis: 'working', minutes: 2 * 60 },
      resolution: { basis: 'calendar', minutes: 24 * 60 },
      revisit: revisitEveryCase,
    },
    after_sales_service: {
      firstResponse: { basis: 'working', minutes: 60 },
      resolution: { basis: 'workingDays', days: 2 },
      revisit: revisitEveryCase,
    },
    communication: {
      firstResponse: { basis: 'endOfWorkingDay' }, // answered on the call, else a plan the same day
      resolution: { basis: 'endOfWorkingDay' },
      revisit: { afterDays: 7, share: 0.5 },
    },
    order_logistics: {
      firstResponse: { basis: 'working', minutes: 30 },
      resolution: null, // "reasonable time": the severity tier decides
      revisit: { afterDays: 7, share: 0.5 },
    },
    other: {
      firstResponse: { basis: 'endOfWorkingDay' },
      resolution: null, // "as soon as possible"
      revisit: { afterDays: 7, share: 0.2 },
    },
  },
  severity: {
    general: { basis: 'workingDays', days: 5 },
    major: { basis: 'workingDays', days: 3 },
    crisis: { basis: 'workingDays', days: 1 },
  },
  warningFractions: [0.5, 0.9],
  escalation: { unansweredBreachMinutes: 4 * 60 },
  regulatoryReminders: { fractions: [0.5], hoursBeforeDue: [24] },
  clusterDetection: { windowDays: 30, threshold: 3 },
};

/** The resolution clock's specs: the category's (if any) and the severity tier's; the earlier due wins. */
export function resolutionSpecs(policy: ServiceLevelPolicy, category: Category, severity: Severity): ClockSpec[] {
  const byCategory = policy.categories[category].resolution;
  return byCategory ? [byCategory, policy.severity[severity]] : [policy.severity[severity]];
}

/**
 * Whether this complaint is one of the share that gets a revisit. Deterministic in the complaint ID
 * (FNV-1a hash), so replay and every reader agree without a random draw.
 */
export function isSampledForRevisit(complaintId: string, share: number): boolean {
  if (share >= 1) return true;
  if (share <= 0) return false;
  let hash = 0x811c9dc5;
  for (let i = 0; i < complaintId.length; i++) {
    hash ^= complaintId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 10000 < Math.round(share * 10000);
}

/**
 * The warning fractions of a policy, whatever its age: policies stored (and recorded in running
 * complaints' histories) before `warningFractions` existed carry a single `warningAt`.
 */
export function warningFractionsOf(policy: ServiceLevelPolicy): number[] {
  if (Array.isArray(policy.warningFractions)) return policy.warningFractions;
  return policy.warningAt !== undefined ? [policy.warningAt] : DEFAULT_POLICY.warningFractions;
}

/** Problems with a policy an admin submits ([] when fine). */
export function validatePolicy(policy: ServiceLevelPolicy): string[] {
  const problems: string[] = [];
  const check = (path: string, spec: ClockSpec | null) => {
    if (spec === null) return;
    if ((spec.basis === 'working' || spec.basis === 'calendar') && !(spec.minutes >= 0)) {
      problems.push(`${path}.minutes must be a number >= 0`);
    }
    if (spec.basis === 'workingDays' && !(spec.days >= 0)) problems.push(`${path}.days must be a number >= 0`);
  };
  for (const [name, spec] of Object.entries(policy.general)) check(`general.${name}`, spec);
  for (const [category, level] of Object.entries(policy.categories)) {
    check(`categories.${category}.firstResponse`, level.firstResponse);
    check(`categories.${category}.resolution`, level.resolution);
    if (!(level.revisit.share >= 0 && level.revisit.share <= 1)) {
      problems.push(`categories.${category}.revisit.share must be between 0 and 1`);
    }
    if (!(level.revisit.afterDays >= 0)) problems.push(`categories.${category}.revisit.afterDays must be >= 0`);
  }
  for (const [severity, spec] of Object.entries(policy.severity)) check(`severity.${severity}`, spec);
  if (!Array.isArray(policy.warningFractions) || policy.warningFractions.some((f) => !(f > 0 && f < 1))) {
    problems.push('warningFractions must be fractions between 0 and 1');
  }
  if (!(policy.escalation?.unansweredBreachMinutes > 0)) problems.push('escalation.unansweredBreachMinutes must be > 0');
  const cluster = policy.clusterDetection;
  if (!(cluster?.windowDays > 0)) problems.push('clusterDetection.windowDays must be > 0');
  if (!(Number.isInteger(cluster?.threshold) && cluster.threshold >= 2)) problems.push('clusterDetection.threshold must be a whole number >= 2');
  return problems;
}
