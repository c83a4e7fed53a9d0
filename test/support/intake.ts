/** Sample complaints as an agent would file them (kept in scripts/, which the bench and the soak share). */
export { SAMPLE_CREATE_BODY, SAMPLE_INTAKE } from '../../scripts/stack/sample-complaints.js';
