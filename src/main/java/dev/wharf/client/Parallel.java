package dev.wharf.client;

import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs transfer tasks on a few threads. The first failure cancels the rest (interrupting them) and
 * is rethrown as it was, once the others have stopped and cleaned up after themselves; the
 * caller's thread does the work itself when there is only one task or one thread.
 */
final class Parallel {

    private static final AtomicInteger POOLS = new AtomicInteger();

    private Parallel() {
    }

    static void run(int threads, List<Runnable> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        if (threads <= 1 || tasks.size() == 1) {
            tasks.forEach(Runnable::run);
            return;
        }
        int pool = POOLS.incrementAndGet();
        AtomicInteger counter = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(Math.min(threads, tasks.size()), r -> {
            Thread t = new Thread(r, "wharf-transfer-" + pool + "-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            CompletionService<Void> done = new ExecutorCompletionService<>(executor);
            for (Runnable task : tasks) {
                done.submit(task, null);
            }
            for (int i = 0; i < tasks.size(); i++) {
                try {
                    done.take().get();
                } catch (ExecutionException e) {
                    executor.shutdownNow();
                    awaitStopped(executor);
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            executor.shutdownNow();
        }
    }

    private static void awaitStopped(ExecutorService executor) {
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
