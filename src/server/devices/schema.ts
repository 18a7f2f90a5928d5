// The device register's shapes are part of the API contract.
export { BluetoothIdentity, DEVICE_KINDS, LendBody, RegisterDeviceBody, UpdateIdentityBody, normaliseBluetoothId, normaliseSystemId } from '../../api/devices.js';
