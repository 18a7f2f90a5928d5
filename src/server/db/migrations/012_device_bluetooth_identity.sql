-- Bluetooth identity of lent devices (issue 13), forward-only. A reading that a gateway or the
-- patient app reads over Bluetooth is matched to a registered device by its serial number (Device
-- Information 0x2A25), its Bluetooth address or platform identifier, or its System ID (0x2A23),
-- and attributed to the patient the device is lent to.
alter table devices add column manufacturer text;
alter table devices add column bluetooth_id text;
alter table devices add column system_id text;
create unique index devices_bluetooth_id on devices (organisation_id, bluetooth_id) where bluetooth_id is not null;
create unique index devices_system_id on devices (organisation_id, system_id) where system_id is not null;
