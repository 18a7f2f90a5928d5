import { deviceRoutes as api } from '../../api/devices.js';
import { requireRole } from '../auth/access.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { updateIdentity } from './identity.js';
import { DEVICE_ROLES, deviceDto, lendDevice, listDevices, loanDto, loansOfPatient, registerDevice, returnDevice } from './service.js';

/** Device register of an organisation and loans of devices to patients. */
export function deviceRoutes(app: App, deps: AppDeps): void {
  serve(app, deps, api.list, async ({ ctx }) => ({ devices: (await listDevices(ctx())).map(deviceDto) }));
  serve(app, deps, api.register, async ({ ctx, body }) => {
    const c = ctx();
    requireRole(c, DEVICE_ROLES);
    return deviceDto(await registerDevice(c, body()));
  });
  // The device's Bluetooth identity (model, serial are fixed at registration; address, System ID and manufacturer can be added later).
  serve(app, deps, api.updateIdentity, async ({ ctx, params, body }) => {
    const c = ctx();
    requireRole(c, DEVICE_ROLES);
    return deviceDto(await updateIdentity(c, params().id, body()));
  });
  serve(app, deps, api.loansOfPatient, async ({ ctx, params }) => ({ loans: (await loansOfPatient(ctx(), params().id)).map(loanDto) }));
  serve(app, deps, api.lend, async ({ ctx, params, body }) => {
    const c = ctx();
    return loanDto(await lendDevice(c, params().id, body().deviceId));
  });
  serve(app, deps, api.return, async ({ ctx, params }) => loanDto(await returnDevice(ctx(), params().id)));
}
