/**
 * Shell-session helpers shared by the `sysctl` and `conntrack-stats` parsers: real pastes interleave
 * prompts, command lines, command output and command errors. Sample:
 *
 *   root@fw:~# conntrack -C; sysctl -n net.netfilter.nf_conntrack_max
 *   9
 *   262144
 *   linux:~# /sbin/sysctl -a|grep -i nf_conntrack_max
 *   error: permission denied on key 'net.ipv4.route.flush'
 *
 * Pure string functions; no state. (Used by two kinds: the lead may move this to src/parsers/shell.ts.)
 */

/** Leading mail-quote markers (`> > `) and indentation, as pasted into issues and mails. */
const QUOTE_RE = /^(?:\s*>)+\s?/;

/** Remove mail-quote markers and surrounding whitespace. */
export function unquote(text: string): string {
  return text.replace(QUOTE_RE, '').trim();
}

/**
 * Prompts: `$ cmd`, `# cmd`, `% cmd`, `user@host:~# cmd`, `root@n1 ~ # cmd`, `[root@h ~]# cmd`,
 * `linux:~# cmd`, `PS C:\> cmd` is not Linux and not handled. Group 1 is the command (may be empty).
 */
const PROMPT_RE = /^(?:\[[^\]\n]{1,80}\][#$]|[\w.-]+@[\w.-]+(?::[^\s#$]*)?(?:\s+[^\s#$]+)?\s*[#$]|[\w.-]+:[^\s#$]*[#$]|[#$%])(?:\s+(.*))?$/;

/** The command after a shell prompt, '' for a bare prompt, or null when the line is not a prompt line. */
export function promptCommand(line: string): string | null {
  const m = PROMPT_RE.exec(line);
  if (!m) return null;
  return (m[1] ?? '').trim();
}

/** Commands that appear without a prompt at the start of a pasted line (`sysctl -a | grep conntrack`). */
const BARE_COMMAND_RE = /^(?:sudo\s+)?(?:\/s?bin\/|\/usr\/s?bin\/)?(?:cat|sysctl|grep|egrep|conntrack|lnstat|nproc|lscpu|uname|hostname|hostnamectl|wc|ls|echo|tail|head|kubectl|getconf|free|awk|sort|cut|modprobe|lsmod|journalctl|dmesg|systemctl)(?:\s|$)/;

/** Is this (unprompted) line a command someone typed? `conntrack v1.4.4 (conntrack-tools): ...` is not. */
export function isBareCommand(line: string): boolean {
  if (!BARE_COMMAND_RE.test(line)) return false;
  // conntrack's own stderr trailer/errors start with "conntrack v1.4.x (conntrack-tools):"
  return !/^conntrack v\d/.test(line);
}

/** Errors a capture can contain instead of data: they become malformed 'command-error' lines. */
const COMMAND_ERROR_RE = /operation not permitted|permission denied|operation failed|command not found|no such file or directory|must be root|cap_net_admin|command terminated with exit code|cannot open|can't open|protocol not supported|cannot stat/i;

/** Does this line report a failed command (`Operation not permitted`, `conntrack ...: Operation failed: ...`)? */
export function isCommandError(line: string): boolean {
  return COMMAND_ERROR_RE.test(line);
}

/** One simple command of a command line: its words, with `sudo` and a `/sbin/`-style directory removed. */
export interface SimpleCommand {
  /** Program name without directory (`sysctl`, `cat`). */
  readonly program: string;
  readonly args: readonly string[];
  /** Names of the later stages of its pipeline (`grep`, `wc`): they shape the output. */
  readonly pipedTo: readonly string[];
}

/**
 * Split a command line into its simple commands: `;`, `&&` and `||` separate commands whose outputs
 * follow each other; `|` makes a pipeline whose first stage names what is read. Quotes are not parsed
 * (a prompt line is evidence, not a script); redirections are kept as words.
 */
export function splitCommandLine(cmd: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  for (const part of cmd.split(/;|&&|\|\|/)) {
    const stages = part.split('|').map((s) => words(s)).filter((w) => w.length > 0);
    const first = stages[0];
    if (!first) continue;
    out.push({
      program: first[0]!,
      args: first.slice(1),
      pipedTo: stages.slice(1).map((w) => w[0]!),
    });
  }
  return out;
}

function words(s: string): string[] {
  const w = s.trim().split(/\s+/).filter((x) => x.length > 0);
  while (w[0] === 'sudo' || w[0] === 'command' || w[0] === 'exec') w.shift();
  if (w[0]) w[0] = w[0].replace(/^.*\//, '');
  return w;
}

/** An unsigned decimal integer as a safe number, or null (too large for a double: never rounded silently). */
export function parseUint(s: string): number | null {
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}
