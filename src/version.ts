/** mailsrv's version, shown by `mailsrv --version` and in the maillog. */
export const VERSION = "0.1.0";
