// BullMQ 5 baseline for the Reachly queue benchmark: the same no-op workload as our Rust
// bench, on the same Redis, so the two numbers can be compared within one run.
//
//   cd benches/bullmq && npm install --no-audit --no-fund
//   N=20000 node bench.mjs                      # or: node bench.mjs --n 20000 --concurrency 100
//
// Settings (command-line flag, else environment variable, else default):
//   --n            N            jobs                       50000
//   --redis-url    REDIS_URL    Redis to use               redis://127.0.0.1:6379/0
//   --batch        BATCH        jobs per Queue.addBulk     1000
//   --concurrency  CONCURRENCY  Worker concurrency         200
//   --timeout      TIMEOUT_S    give up after (seconds)    600
// A bare number as the first argument is N.
//
// Phases: (1) submit N trivial jobs with Queue.addBulk, BATCH at a time, awaiting each batch
// (submitted/s); (2) start one Worker with a no-op processor and time it until all N jobs are
// completed, counted with the worker's 'completed' event (completed/s). Jobs use
// removeOnComplete so Redis keeps nothing. The queue (unique per run: bench-<pid>-<ms>) is
// obliterated at the end. Progress and errors go to stderr; stdout gets exactly one JSON line:
//   {"system":"bullmq","jobs":N,"submit_seconds":..,"submitted_per_s":..,
//    "complete_seconds":..,"completed_per_s":..}

import { Queue, Worker } from "bullmq";

function settings(argv) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith("--")) {
      const [key, inline] = arg.slice(2).split(/=(.*)/s, 2);
      flags[key] = inline !== undefined ? inline : argv[++i];
    } else if (i === 0 && /^\d+$/.test(arg)) {
      flags.n = arg;
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  const pick = (flag, env, dflt) => flags[flag] ?? process.env[env] ?? dflt;
  const int = (flag, env, dflt) => {
    const raw = pick(flag, env, String(dflt));
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`${env} must be a positive integer, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  return {
    n: int("n", "N", 50000),
    redisUrl: pick("redis-url", "REDIS_URL", "redis://127.0.0.1:6379/0"),
    batch: int("batch", "BATCH", 1000),
    concurrency: int("concurrency", "CONCURRENCY", 200),
    timeoutS: int("timeout", "TIMEOUT_S", 600),
  };
}

// REDIS_URL -> ioredis options (BullMQ takes connection options, not a URL).
function connectionFromUrl(raw) {
  const url = new URL(raw);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new Error(`REDIS_URL must be redis:// or rediss://, got ${raw}`);
  }
  const db = url.pathname.replace(/^\//, "");
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: url.port ? Number(url.port) : 6379,
    db: db ? Number(db) : 0,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

const log = (msg) => process.stderr.write(`[bullmq-bench] ${msg}\n`);
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const round = (x, digits) => Number(x.toFixed(digits));

async function main() {
  const cfg = settings(process.argv.slice(2));
  const connection = connectionFromUrl(cfg.redisUrl);
  const queueName = `bench-${process.pid}-${Date.now()}`;
  log(`queue ${queueName}: N=${cfg.n} BATCH=${cfg.batch} CONCURRENCY=${cfg.concurrency} on ${cfg.redisUrl}`);

  const queue = new Queue(queueName, { connection });
  let worker;
  const timer = setTimeout(() => {
    log(`timed out after ${cfg.timeoutS}s`);
    process.exit(2);
  }, cfg.timeoutS * 1000);
  timer.unref();

  try {
    await queue.waitUntilReady();

    // Phase 1: submit.
    const jobOpts = { removeOnComplete: true, removeOnFail: true };
    const submitStart = process.hrtime.bigint();
    for (let done = 0; done < cfg.n; ) {
      const size = Math.min(cfg.batch, cfg.n - done);
      const jobs = new Array(size);
      for (let i = 0; i < size; i++) {
        jobs[i] = { name: "noop", data: { i: done + i }, opts: jobOpts };
      }
      await queue.addBulk(jobs);
      done += size;
    }
    const submitSeconds = seconds(submitStart);
    log(`submitted ${cfg.n} jobs in ${submitSeconds.toFixed(3)}s`);

    // Phase 2: drain with one worker.
    let completed = 0;
    let failed = 0;
    let finish;
    const allDone = new Promise((resolve) => (finish = resolve));
    worker = new Worker(queueName, async () => {}, {
      connection,
      concurrency: cfg.concurrency,
      autorun: false,
    });
    worker.on("completed", () => {
      if (++completed + failed === cfg.n) finish();
    });
    worker.on("failed", (job, err) => {
      if (failed++ === 0) log(`job failed: ${err?.message ?? err}`);
      if (completed + failed === cfg.n) finish();
    });
    worker.on("error", (err) => log(`worker error: ${err?.message ?? err}`));
    await worker.waitUntilReady();

    const completeStart = process.hrtime.bigint();
    worker.run().catch((err) => log(`worker stopped: ${err?.message ?? err}`));
    await allDone;
    const completeSeconds = seconds(completeStart);
    log(`completed ${completed} jobs in ${completeSeconds.toFixed(3)}s`);
    if (failed > 0) throw new Error(`${failed} of ${cfg.n} jobs failed`);

    process.stdout.write(
      JSON.stringify({
        system: "bullmq",
        jobs: cfg.n,
        submit_seconds: round(submitSeconds, 3),
        submitted_per_s: round(cfg.n / submitSeconds, 1),
        complete_seconds: round(completeSeconds, 3),
        completed_per_s: round(cfg.n / completeSeconds, 1),
      }) + "\n",
    );
  } finally {
    if (worker) await worker.close();
    await queue.obliterate({ force: true }).catch((err) => log(`obliterate: ${err.message}`));
    await queue.close();
    clearTimeout(timer);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`error: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
