/** The kernel-log input kind: dmesg, kern.log/messages/syslog, OpenWrt logread and journalctl output. */
import { defineKind } from '../kind.js';
import { kernelLogParser } from './kernel-log.js';
import { sniffKernelLog } from './sniff.js';

export { kernelLogParser, KERNEL_LOG_NEEDLES, type KernelLogState } from './kernel-log.js';
export { sniffKernelLog } from './sniff.js';

/** The kind module the registry (parsers/index.ts) lists. */
export const kernelLogKind = defineKind({ kind: 'kernel-log', sniff: sniffKernelLog, parser: kernelLogParser });
