// Administration's shapes are part of the API contract.
export { EMERGENCY_DEFAULT_HOURS, EMERGENCY_MAX_HOURS, EMERGENCY_REASON_MIN, EmergencyBody, MemberBody, ReviewBody, SwitchBody, emergencyReasonProblem } from '../../api/admin.js';
