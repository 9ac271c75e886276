/**
 * Moving from Postfix: main.cf and master.cf read and translated into a
 * mailsrv.toml (`mailsrv import-postfix`). See `translate.ts`.
 */
export {
  ImportError,
  type PostfixImport,
  type PostfixSetup,
  translatePostfix,
  type VmPop3dSetup,
} from "./translate.ts";
export { formatReportLine, type ReportLine } from "./report.ts";
export { parseMainCf } from "./main_cf.ts";
export { parseMasterCf } from "./master_cf.ts";
