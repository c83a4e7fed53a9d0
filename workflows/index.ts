// The workflows the worker registers (this file is the workflow bundle's entry point).
export { complaint } from './complaint.js';
export { regulatoryReport } from './regulatory-report.js';
export { clusterWatch } from './cluster-watch.js';
export { mediation } from './mediation.js';
