/**
 * `mailsrv import-postfix` — translate an existing Postfix configuration
 * (and a vm-pop3d setup beside it) into a mailsrv.toml.
 *
 * DESCRIPTION
 *   Reads DIR/main.cf (required) and DIR/master.cf, looks for vm-pop3d's
 *   per-domain passwd files, and hands the texts to
 *   `postfix_import/translate.ts`. The report (what changed, what was not
 *   carried over and why) goes to standard error, one line each; the
 *   file is written to `--output` (`-`: standard output), by default the
 *   configuration file (`--config`, else /etc/mailsrv/mailsrv.toml),
 *   never over an existing file. `--check` writes nothing and exits 1
 *   when anything could not be carried over.
 *
 *   Tables the configuration names are used in place: nothing is copied.
 */
import { dirname, join, resolve } from "node:path";
import { type Command, EXIT } from "./command.ts";
import { DEFAULT_CONFIG_FILE } from "../config/load.ts";
import { readSystemFacts } from "../config/system_facts.ts";
import { editFileAtomically } from "../fs/atomic_replace.ts";
import {
  formatReportLine,
  ImportError,
  translatePostfix,
  type VmPop3dSetup,
} from "../postfix_import/mod.ts";

/** vm-pop3d's built-in defaults (VIRTUAL_PASSWORDS_PATH, VIRTUAL_MAILPATH). */
const VM_POP3D_PASSWD = "/etc/virtual";
const VM_POP3D_MAIL = "/var/spool/virtual";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** The vm-pop3d setup at `passwd`, if it has any DOMAIN/passwd file. */
async function findVmPop3d(
  passwd: string,
  mail: string,
  required: boolean,
): Promise<VmPop3dSetup | undefined> {
  const domains: string[] = [];
  try {
    for await (const entry of Deno.readDir(passwd)) {
      if (entry.isDirectory && exists(join(passwd, entry.name, "passwd"))) {
        domains.push(entry.name);
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound) || required) throw e;
    return undefined;
  }
  if (domains.length === 0 && !required) return undefined;
  return {
    passwdDirectory: passwd,
    mailDirectory: mail,
    domains: domains.sort(),
  };
}

/** The `import-postfix` subcommand. */
export const importPostfixCommand: Command = {
  name: "import-postfix",
  summary: "translate a Postfix configuration into mailsrv.toml",
  usage:
    "import-postfix [--config PATH] [--check] [--output FILE] [--vm-pop3d-passwd DIR] [--vm-pop3d-mail DIR] [DIR]",
  description:
    `Reads DIR/main.cf and DIR/master.cf (DIR: /etc/postfix) and writes an
equivalent mailsrv configuration. Parameters keep their names; tables stay
where they are (hash:/etc/postfix/virtual reads the text file
/etc/postfix/virtual, so .db files are not needed); smtpd services become
[[listener]] tables with their -o settings as options; old idioms become
what they mean (check_client_access hash:.../pop-before-smtp is
permit_pop_before_smtp; check_relay_domains is permit_mynetworks,
reject_unauth_destination). Every parameter, option or service that is not
carried over is printed on stderr with the reason, and repeated as comments
at the end of the file.
A vm-pop3d setup (DOMAIN/passwd files under /etc/virtual, mail under
/var/spool/virtual) adds pop3_passwd_directory and a POP3 listener.
  --check                report only; exit 1 when anything is not carried over
  --output FILE          where to write ("-": standard output); default the
                         --config path or /etc/mailsrv/mailsrv.toml; an
                         existing file is never overwritten
  --vm-pop3d-passwd DIR  vm-pop3d's passwd directory, if not /etc/virtual
  --vm-pop3d-mail DIR    vm-pop3d's mail directory, if not /var/spool/virtual`,
  options: {
    check: { type: "boolean" },
    output: { type: "string", short: "o" },
    "vm-pop3d-passwd": { type: "string" },
    "vm-pop3d-mail": { type: "string" },
  },
  maxOperands: 1,
  async run(context) {
    const directory = resolve(context.operands[0] ?? "/etc/postfix");
    const mainCf = await readIfThere(join(directory, "main.cf"));
    if (mainCf === undefined) {
      context.warn(`mailsrv: fatal: no main.cf in "${directory}"`);
      return EXIT.failure;
    }
    const passwdFlag = context.values["vm-pop3d-passwd"] as string | undefined;
    const vmPop3d = await findVmPop3d(
      resolve(passwdFlag ?? VM_POP3D_PASSWD),
      resolve(
        (context.values["vm-pop3d-mail"] as string | undefined) ??
          VM_POP3D_MAIL,
      ),
      passwdFlag !== undefined,
    );
    let result;
    try {
      result = translatePostfix({
        directory,
        mainCf,
        masterCf: await readIfThere(join(directory, "master.cf")),
        vmPop3d,
        fileExists: exists,
        system: readSystemFacts(),
      });
    } catch (e) {
      if (!(e instanceof ImportError)) throw e;
      context.warn(`mailsrv: fatal: ${e.message}`);
      return EXIT.failure;
    }
    for (const line of result.report) {
      context.warn(`import-postfix: ${formatReportLine(line)}`);
    }
    const leftOut = result.report.filter((l) => l.kind === "not-translated");
    if (context.values.check) {
      return leftOut.length > 0 ? EXIT.failure : EXIT.ok;
    }
    const output = (context.values.output as string | undefined) ??
      context.configPath ?? DEFAULT_CONFIG_FILE;
    if (output === "-") {
      context.print(result.toml);
      return EXIT.ok;
    }
    const file = resolve(output);
    if (exists(file)) {
      context.warn(
        `mailsrv: fatal: "${file}" exists; move it away or name another file with --output`,
      );
      return EXIT.failure;
    }
    await Deno.mkdir(dirname(file), { recursive: true });
    await editFileAtomically(file, () => result.toml, { createMode: 0o644 });
    context.print(
      `mailsrv: wrote "${file}" (${leftOut.length} ${
        leftOut.length === 1 ? "item" : "items"
      } not carried over, listed above and at the end of the file)\n`,
    );
    return EXIT.ok;
  },
};
