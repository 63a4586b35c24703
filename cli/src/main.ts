#!/usr/bin/env node
/**
 * The `surplus` command. Only this file reads the process's arguments, environment and streams;
 * the commands get them through a Context.
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { registerAccountCommands } from './commands/account.ts';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerDepsCommands } from './commands/deps.ts';
import { registerGrantCommands } from './commands/grants.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerMachineCommands } from './commands/machines.ts';
import { registerMemberCommands } from './commands/members.ts';
import { registerProgramCommands } from './commands/programs.ts';
import { registerProjectCommands } from './commands/projects.ts';
import { registerRequestCommands } from './commands/requests.ts';
import { registerReviewCommands } from './commands/review.ts';
import { registerServerCommands } from './commands/servers.ts';
import { registerTokenCommands } from './commands/tokens.ts';
import { registerUsageCommands } from './commands/usage.ts';
import { type Context, configPath } from './config.ts';
import { describeError, EXIT, Output } from './output.ts';

const out = new Output(process.stdout, process.stderr, process.env);
// Decided before parsing, so that even a parse error comes out as JSON for a script that asked for it.
const isJson = process.argv.includes('--json');

const ctx: Context = {
  env: process.env,
  out,
  configPath: configPath(process.env),
  userAgent: `surplus-cli/${pkg.version} node/${process.versions.node}`,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  exec: (command, args) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, args, { stdio: 'inherit' });
      child.on('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' ? new Error(`${command} is not installed or not on PATH`) : error),
      );
      // A signal-killed child reports like a shell does: 128 + the signal number.
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
    }),
};

// Settings made before the subcommands are added are inherited by them.
const program = new Command('surplus')
  .description(
    'Surplus from the command line: projects, keys, tokens, programs, requests, review, grants, servers, machines, dependency scans, usage and reports.',
  )
  .version(pkg.version)
  .exitOverride()
  .showHelpAfterError(!isJson && '(add --help for usage)')
  .configureOutput({ outputError: (text, write) => (isJson ? undefined : write(text)) });

program.addHelpText(
  'after',
  `
Configuration: ${ctx.configPath} (SURPLUS_CONFIG overrides the path; SURPLUS_URL and SURPLUS_TOKEN override its contents).
Exit codes: 0 ok, 1 error, 2 bad usage, 3 not signed in, 4 not found.`,
);

registerAccountCommands(program, ctx);
registerProjectCommands(program, ctx);
registerMemberCommands(program, ctx);
registerKeyCommands(program, ctx);
registerTokenCommands(program, ctx);
registerProgramCommands(program, ctx);
registerCatalogCommands(program, ctx);
registerRequestCommands(program, ctx);
registerReviewCommands(program, ctx);
registerGrantCommands(program, ctx);
registerServerCommands(program, ctx);
registerMachineCommands(program, ctx);
registerDepsCommands(program, ctx);
registerUsageCommands(program, ctx);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitFor(error);
}

function exitFor(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
    // Commander has already printed the message (unless --json asked for JSON instead).
    if (isJson) out.error({ exitCode: EXIT.usage, error: { code: 'ERR_USAGE', message: error.message.replace(/^error: /, '') } }, true);
    return EXIT.usage;
  }
  const report = describeError(error);
  out.error(report, isJson);
  return report.exitCode;
}
