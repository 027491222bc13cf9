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
//   --in-flight    IN_FLIGHT    addBulk calls at once      4
//   --timeout      TIMEOUT_S    give up after (seconds)    600
// A bare number as the first argument is N.
//
// Two measurements, each on its own queue (bench-<pid>-<ms>-<mode>), obliterated at the end:
//   drain:      (1) submit N trivial jobs with Queue.addBulk, BATCH at a time, awaiting each
//               batch (submitted/s); (2) start one Worker with a no-op processor and time it
//               until all N jobs are completed, counted with its 'completed' event (drained/s).
//   end to end: start the Worker first, then submit the same way; time from the first
//               addBulk until all N are completed (end-to-end/s, submission and work overlapping).
// Jobs use removeOnComplete so Redis keeps nothing. Progress and errors go to stderr; stdout
// gets exactly one JSON line:
//   {"system":"bullmq","jobs":N,"submit_seconds":..,"complete_seconds":..,
//    "e2e_submit_seconds":..,"e2e_seconds":..}

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
    inFlight: int("in-flight", "IN_FLIGHT", 4),
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

// Submits N no-op jobs, BATCH per addBulk, IN_FLIGHT addBulk calls at once (as the Reachly
// side keeps that many batch requests in flight); returns the seconds it took.
async function submitAll(queue, cfg) {
  const jobOpts = { removeOnComplete: true, removeOnFail: true };
  const start = process.hrtime.bigint();
  let next = 0;
  const lane = async () => {
    while (next < cfg.n) {
      const from = next;
      const size = Math.min(cfg.batch, cfg.n - from);
      next += size;
      const jobs = new Array(size);
      for (let i = 0; i < size; i++) {
        jobs[i] = { name: "noop", data: { i: from + i }, opts: jobOpts };
      }
      await queue.addBulk(jobs);
    }
  };
  await Promise.all(Array.from({ length: cfg.inFlight }, lane));
  return seconds(start);
}

// A no-op Worker on `queueName`, not yet running, and a promise of all N jobs' completion.
async function countingWorker(queueName, connection, cfg) {
  let completed = 0;
  let failed = 0;
  let finish;
  const allDone = new Promise((resolve) => (finish = resolve));
  const worker = new Worker(queueName, async () => {}, {
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
  const done = allDone.then(() => {
    if (failed > 0) throw new Error(`${failed} of ${cfg.n} jobs failed`);
  });
  return { worker, done };
}

// Runs `measure(queue, queueName)` on a fresh queue, then closes and obliterates it.
async function onFreshQueue(mode, connection, measure) {
  const queueName = `bench-${process.pid}-${Date.now()}-${mode}`;
  const queue = new Queue(queueName, { connection });
  const opened = [];
  try {
    await queue.waitUntilReady();
    return await measure(queue, queueName, (w) => opened.push(w));
  } finally {
    for (const w of opened) await w.close();
    await queue.obliterate({ force: true }).catch((err) => log(`obliterate: ${err.message}`));
    await queue.close();
  }
}

// Drain only: everything queued first, then the worker starts.
async function drain(cfg, connection) {
  return onFreshQueue("drain", connection, async (queue, name, opened) => {
    const submitSeconds = await submitAll(queue, cfg);
    log(`drain: submitted ${cfg.n} jobs in ${submitSeconds.toFixed(3)}s`);
    const { worker, done } = await countingWorker(name, connection, cfg);
    opened(worker);
    const start = process.hrtime.bigint();
    worker.run().catch((err) => log(`worker stopped: ${err?.message ?? err}`));
    await done;
    const completeSeconds = seconds(start);
    log(`drain: completed ${cfg.n} jobs in ${completeSeconds.toFixed(3)}s`);
    return { submitSeconds, completeSeconds };
  });
}

// End to end: the worker runs while the jobs are submitted.
async function endToEnd(cfg, connection) {
  return onFreshQueue("e2e", connection, async (queue, name, opened) => {
    const { worker, done } = await countingWorker(name, connection, cfg);
    opened(worker);
    worker.run().catch((err) => log(`worker stopped: ${err?.message ?? err}`));
    const start = process.hrtime.bigint();
    const submitSeconds = await submitAll(queue, cfg);
    await done;
    const e2eSeconds = seconds(start);
    log(`end to end: submitted in ${submitSeconds.toFixed(3)}s, all completed in ${e2eSeconds.toFixed(3)}s`);
    return { submitSeconds, e2eSeconds };
  });
}

async function main() {
  const cfg = settings(process.argv.slice(2));
  const connection = connectionFromUrl(cfg.redisUrl);
  log(`N=${cfg.n} BATCH=${cfg.batch} IN_FLIGHT=${cfg.inFlight} CONCURRENCY=${cfg.concurrency} on ${cfg.redisUrl}`);
  const timer = setTimeout(() => {
    log(`timed out after ${cfg.timeoutS}s`);
    process.exit(2);
  }, cfg.timeoutS * 1000);
  timer.unref();
  try {
    const drained = await drain(cfg, connection);
    const e2e = await endToEnd(cfg, connection);
    process.stdout.write(
      JSON.stringify({
        system: "bullmq",
        jobs: cfg.n,
        submit_seconds: round(drained.submitSeconds, 3),
        complete_seconds: round(drained.completeSeconds, 3),
        e2e_submit_seconds: round(e2e.submitSeconds, 3),
        e2e_seconds: round(e2e.e2eSeconds, 3),
      }) + "\n",
    );
  } finally {
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
