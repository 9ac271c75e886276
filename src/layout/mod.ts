/**
 * The mailbox layout and what it must never touch.
 *
 * DESCRIPTION
 *   A shared leaf (it imports only `config/`): the virtual administration
 *   commands, smtpd's recipient check, the delivery agents and the POP3
 *   login all ask it whether a mailbox path is safe, so they agree.
 *   See `mailbox_guard.ts` for the rules and `protected_paths.ts` for the
 *   files it protects.
 */
export {
  checkDomainDirectory,
  checkMailbox,
  type MailboxRefusal,
} from "./mailbox_guard.ts";
export {
  directoryCollision,
  isInside,
  mailboxCollision,
  type MailboxSpot,
  type ProtectedFile,
  protectedFiles,
  type ProtectedLayout,
  type ProtectedPolicy,
  resolveProtectedLayout,
  tableFileOf,
} from "./protected_paths.ts";
export { realPathOf } from "./real_path.ts";
export {
  type MailboxContext,
  PASSWD_FILE_NAME,
  reservedMailboxName,
} from "./reserved_names.ts";
