import { requireRole } from '../auth/access.js';
import { type App, type AppDeps, ctxOf, parse } from '../http/app.js';
import { updateIdentity } from './identity.js';
import { LendBody, RegisterDeviceBody, UpdateIdentityBody } from './schema.js';
import { DEVICE_ROLES, deviceDto, lendDevice, listDevices, loanDto, loansOfPatient, registerDevice, returnDevice } from './service.js';

type P = { Params: { id: string } };

/** Device register of an organisation and loans of devices to patients. */
export function deviceRoutes(app: App, deps: AppDeps): void {
  app.get('/api/devices', async (req) => ({ devices: (await listDevices(ctxOf(req, deps))).map(deviceDto) }));
  app.post('/api/devices', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    requireRole(ctx, DEVICE_ROLES);
    return reply.code(201).send(deviceDto(await registerDevice(ctx, parse(RegisterDeviceBody, req.body))));
  });
  // The device's Bluetooth identity (model, serial are fixed at registration; address, System ID and manufacturer can be added later).
  app.patch<P>('/api/devices/:id', async (req) => {
    const ctx = ctxOf(req, deps);
    requireRole(ctx, DEVICE_ROLES);
    return deviceDto(await updateIdentity(ctx, req.params.id, parse(UpdateIdentityBody, req.body ?? {})));
  });
  app.get<P>('/api/patients/:id/device-loans', async (req) => ({ loans: (await loansOfPatient(ctxOf(req, deps), req.params.id)).map(loanDto) }));
  app.post<P>('/api/patients/:id/device-loans', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const { deviceId } = parse(LendBody, req.body);
    return reply.code(201).send(loanDto(await lendDevice(ctx, req.params.id, deviceId)));
  });
  app.post<P>('/api/device-loans/:id/return', async (req) => loanDto(await returnDevice(ctxOf(req, deps), req.params.id)));
}
