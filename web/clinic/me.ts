import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { PersonnelMe } from '../../src/api/session.js';

/** The logged-in person, their organisation and the role they act in (from /api/me). */
export const MeContext = createContext<PersonnelMe | null>(null);

export function useMe(): PersonnelMe | null {
  return useContext(MeContext);
}

export const isGp = (me: PersonnelMe | null): boolean => me?.role === 'gp';
export const isClinical = (me: PersonnelMe | null): boolean => me?.role === 'nurse' || me?.role === 'gp' || me?.role === 'specialist';
export const canSeeReports = (me: PersonnelMe | null): boolean => isClinical(me) || me?.role === 'coordinator';
export const canManageDevices = (me: PersonnelMe | null): boolean => me !== null;
