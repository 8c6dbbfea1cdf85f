import type { Actor } from '../auth/actor';

/**
 * Who may read a journey's access log, once the access policy has let them see the journey at
 * all: the person it is about and an advocate appointed to it (a person's right to know who read
 * their record, exercised by them or for them), and auditors. Staff who work the journey see it
 * but not who else read it: that is the auditors' to look into.
 */
export function mayReadWhoLooked(actor: Actor): boolean {
  return actor.role === 'person' || actor.role === 'advocate' || actor.role === 'auditor';
}
