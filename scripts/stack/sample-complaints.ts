/**
 * Sample complaints as an agent would file them, for the bench, the soak and the tests alike.
 * Names and numbers are invented.
 */
import type { CreateComplaintBody } from '../../api/schemas.js';
import type { IntakeRecord } from '../../workflows/model.js';

export const SAMPLE_INTAKE: IntakeRecord = {
  channel: 'phone',
  complainant: {
    name: 'Zhang Wei',
    role: 'clinician',
    organisation: 'Riverside General Hospital',
    phone: '+86 139 1234 5678',
    email: 'zhang.wei@riverside.example',
  },
  device: {
    productName: 'Volumetric infusion pump',
    model: 'VIP-200',
    lot: 'L2026-0917',
    serialNumber: 'SN-000917-44',
    udi: '(01)06901234567892(17)281231(10)L2026-0917',
    manufacturer: 'Acme Medical',
    expiryDate: '2028-12-31',
  },
  event: {
    description: 'Pump stopped mid-infusion with a false occlusion alarm',
    country: 'CN',
    patientHarmed: false,
    inUseOnPatient: true,
  },
  requestedRemedies: ['repair'],
  sampleAvailable: true,
};

export const SAMPLE_CREATE_BODY: CreateComplaintBody = { ...SAMPLE_INTAKE, requestedRemedies: ['repair'] };
