import { z } from 'zod';

export const DEVICE_KINDS = ['pulse_oximeter', 'bp_monitor', 'scale', 'thermometer', 'glucometer', 'tablet', 'other'] as const;

export const RegisterDeviceBody = z.object({
  serial: z.string().trim().min(2, 'Serial number: at least 2 characters').max(100),
  model: z.string().trim().min(2, 'Model: at least 2 characters').max(200),
  kind: z.enum(DEVICE_KINDS, { error: 'Choose the kind of device' }),
});

export const LendBody = z.object({ deviceId: z.uuid({ error: 'Choose a device' }) });
