package dev.ponder.core.engine;

import dev.ponder.core.chat.ChatMessage;
import dev.ponder.core.chat.ChatTemplate;
import dev.ponder.core.chat.ReasoningSplit;
import dev.ponder.core.chat.ReasoningSplitter;
import dev.ponder.core.chat.ReasoningTracker;
import dev.ponder.core.kv.BlockManager;
import dev.ponder.core.kv.PrefixCache;
import dev.ponder.core.model.ForwardBatch;
import dev.ponder.core.model.KvCache;
import dev.ponder.core.model.Qwen2Model;
import dev.ponder.core.sampling.Sampler;
import dev.ponder.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The continuous-batching engine: the only API the service uses. {@link #submit} returns at once with
 * a future; one scheduler thread runs steps in which every running sequence decodes one token and
 * waiting prompts are prefilled in chunks under a per-step token budget, all in one forward pass.
 * Requests are admitted while the KV cache has room, reuse cached prefix blocks, and are preempted
 * (and later recomputed) when blocks run out.
 *
 * <p>Result futures are completed on the scheduler thread: callbacks attached to them should be short.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Engine.class.getName());

    private final Qwen2Model model;
    private final boolean ownsModel;
    private final Tokenizer tokenizer;
    private final PromptEncoder prompts;
    private final EngineConfig config;
    private final KvCache kv;
    private final BlockManager blocks;
    private final RepetitionGuard repetition;
    private final ReasoningSplitter splitter = ReasoningSplitter.qwen();
    private final int vocab;
    private final int[] endOfTurnIds;
    private final int thinkOpenId;
    private final int thinkCloseId;

    private final ConcurrentLinkedQueue<Sequence> incoming = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<String, Sequence> inFlight = new ConcurrentHashMap<>();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final AtomicInteger held = new AtomicInteger();
    private final ReentrantLock capacityLock = new ReentrantLock();
    private final Condition capacityFreed = capacityLock.newCondition();
    private final Thread scheduler;
    private volatile boolean accepting = true;
    private volatile boolean handBack;
    private volatile boolean stopped;
    private final List<GenerationRequest> handedBack = new ArrayList<>();
    private final ForwardBatch batch;
    private long admissions;

    // statistics, written by the scheduler thread
    private volatile long steps;
    private volatile long stepNanos;
    private volatile int lastStepTokens;
    private volatile int lastStepSequences;
    private volatile long prefillTokens;
    private volatile long decodeTokens;
    private volatile long completed;
    private volatile long preemptions;
    private volatile int waitingCount;
    private volatile int runningCount;

    public Engine(Qwen2Model model, Tokenizer tokenizer, ChatTemplate template, EngineConfig config) {
        this(model, false, tokenizer, template, config);
    }

    private Engine(Qwen2Model model, boolean ownsModel, Tokenizer tokenizer, ChatTemplate template, EngineConfig config) {
        this.model = model;
        this.ownsModel = ownsModel;
        this.tokenizer = tokenizer;
        this.prompts = new PromptEncoder(template, tokenizer);
        this.config = config;
        long bytesPerBlock = config.kvBlockSize() * KvCache.bytesPerToken(model.config(), config.kvPrecision());
        int blockCount = (int) Math.max(1, Math.min(Integer.MAX_VALUE / 2, config.kvBudgetBytes() / bytesPerBlock));
        blockCount = Math.min(blockCount, (1 << 20) - 1);
        this.kv = model.newKvCache(config.kvBlockSize(), blockCount, config.kvPrecision());
        LOG.info(String.format(Locale.ROOT, "KV cache: %.2f GiB reserved off the heap (%s), %d blocks of %d tokens: %,d tokens"
                        + " of %d KiB each", kv.bytes() / (double) (1L << 30), config.kvPrecision(), blockCount,
                config.kvBlockSize(), (long) blockCount * config.kvBlockSize(), kv.bytesPerToken() / 1024));
        this.blocks = new BlockManager(config.kvBlockSize(), blockCount);
        this.repetition = new RepetitionGuard(config.repetitionWindow(), config.repetitionMinTokens());
        this.vocab = model.config().vocabSize();
        this.endOfTurnIds = endOfTurnIds(tokenizer);
        this.thinkOpenId = tokenizer.findTokenId("<think>").orElse(-1);
        this.thinkCloseId = tokenizer.findTokenId("</think>").orElse(-1);
        this.batch = new ForwardBatch(config.maxStepTokens());
        this.scheduler = Thread.ofPlatform().name("ponder-scheduler").daemon().unstarted(this::loop);
        this.scheduler.start();
    }

    /** Opens a GGUF model and starts an engine that owns it (closing the engine closes the model). */
    public static Engine open(Path modelPath, EngineConfig config) throws IOException {
        return open(modelPath, config, null);
    }

    /**
     * Like {@link #open(Path, EngineConfig)}, rendering prompts with the Jinja template in {@code chatTemplate}
     * instead of the model file's own; null: the file's.
     */
    public static Engine open(Path modelPath, EngineConfig config, Path chatTemplate) throws IOException {
        String templateText = chatTemplate == null ? null : java.nio.file.Files.readString(chatTemplate);
        Qwen2Model model = Qwen2Model.open(modelPath, config.threads());
        try {
            Tokenizer tokenizer = Tokenizer.fromGguf(model.file().metadata());
            ChatTemplate template = templateText == null ? ChatTemplate.fromGguf(model.file())
                    : ChatTemplate.fromGguf(model.file(), templateText, "chat template " + chatTemplate);
            return new Engine(model, true, tokenizer, template, config);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static int[] endOfTurnIds(Tokenizer tokenizer) {
        List<Integer> ids = new ArrayList<>();
        tokenizer.eosTokenId().ifPresent(ids::add);
        for (String marker : List.of("<|im_end|>", "<|endoftext|>")) {
            tokenizer.findTokenId(marker).ifPresent(id -> {
                if (!ids.contains(id)) {
                    ids.add(id);
                }
            });
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Qwen2Model model() {
        return model;
    }

    public EngineConfig config() {
        return config;
    }

    /** KV blocks of {@link EngineConfig#kvBlockSize()} tokens that the budget gave. */
    public int kvBlocks() {
        return blocks.capacity();
    }

    /**
     * Queues a request and returns at once. The future always completes: with the result, or with a
     * result whose finish reason is INVALID (bad request, e.g. a prompt longer than the context), DEADLINE,
     * CANCELLED or ERROR and a message saying why.
     */
    public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        if (!accepting) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.CANCELLED, "the engine is shutting down", 0));
            return future;
        }
        String problem = validate(request);
        if (problem != null) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID, problem, 0));
            return future;
        }
        PromptEncoder.EncodedPrompt prompt;
        try {
            prompt = prompts.encode(request.messages(), request.listedTools());
        } catch (RuntimeException e) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID,
                    "the prompt could not be rendered: " + e.getMessage(), 0));
            return future;
        }
        int context = model.config().contextLength();
        if (prompt.ids().length + 1 > context) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID, "the prompt is " + prompt.ids().length
                    + " tokens; the model's context is " + context + " tokens (prompt plus output)", prompt.ids().length));
            return future;
        }
        long neededBlocks = blocksFor(prompt.ids().length + 1);
        if (neededBlocks > blocks.capacity()) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID, "the prompt is " + prompt.ids().length
                    + " tokens, more than the whole KV cache holds (" + (long) blocks.capacity() * config.kvBlockSize()
                    + " tokens); raise the KV budget", prompt.ids().length));
            return future;
        }
        if (request.deadline() != null && !Instant.now().isBefore(request.deadline())) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.DEADLINE, "the deadline " + request.deadline()
                    + " passed before the request started", prompt.ids().length));
            return future;
        }
        Sampler sampler;
        try {
            sampler = new Sampler(request.sampling());
        } catch (IllegalArgumentException e) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID, e.getMessage(), prompt.ids().length));
            return future;
        }
        ReasoningTracker tracker = new ReasoningTracker(thinkOpenId, thinkCloseId, prompt.opensThinking());
        Sequence seq = new Sequence(request, prompt.ids(), prompt.opensThinking(), sampler, tracker,
                tokenizer.streamingDecoder(), future);
        if (inFlight.putIfAbsent(request.id(), seq) != null) {
            future.complete(GenerationResult.failed(request.id(), FinishReason.INVALID,
                    "a request with id '" + request.id() + "' is already in flight", prompt.ids().length));
            return future;
        }
        held.incrementAndGet();
        incoming.add(seq);
        LockSupport.unpark(scheduler);
        return future;
    }

    private String validate(GenerationRequest request) {
        if (request.messages().isEmpty()) {
            return "the request has no messages and no prompt";
        }
        boolean anyContent = false;
        for (ChatMessage m : request.messages()) {
            anyContent |= !m.content().isBlank() && !m.role().equals("system");
        }
        if (!anyContent) {
            return "the prompt is empty";
        }
        if (request.maxTokens() <= 0) {
            return "max_tokens must be positive, not " + request.maxTokens();
        }
        if (request.maxReasoningTokens() < 0) {
            return "max_reasoning_tokens must be 0 (no budget) or positive, not " + request.maxReasoningTokens();
        }
        if (thinkCloseId < 0 && request.maxReasoningTokens() > 0) {
            return "this model's vocabulary has no </think> token, so a reasoning budget cannot be applied";
        }
        return null;
    }

    /** Asks the engine to stop a request; its future completes with CANCELLED. Returns false if it is not in flight. */
    public boolean cancel(String requestId) {
        Sequence seq = inFlight.get(requestId);
        if (seq == null) {
            return false;
        }
        seq.cancelled = true;
        LockSupport.unpark(scheduler);
        return true;
    }

    /** How many more requests may be submitted now without exceeding {@link EngineConfig#maxQueued()}. */
    public int capacity() {
        return Math.max(0, config.maxQueued() - held.get());
    }

    /** Waits until {@link #capacity()} is positive or the timeout passes; returns whether there is capacity. */
    public boolean awaitCapacity(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        capacityLock.lock();
        try {
            while (capacity() == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                capacityFreed.awaitNanos(left);
            }
            return true;
        } finally {
            capacityLock.unlock();
        }
    }

    public EngineStats stats() {
        return new EngineStats(runningCount, waitingCount, held.get(), capacity(), blocks.capacity(), blocks.used(),
                blocks.cachedBlocks(), kv.bytesPerToken(), blocks.hitRate(), steps, stepNanos, lastStepTokens,
                lastStepSequences, prefillTokens, decodeTokens, completed, preemptions);
    }

    // ---------------------------------------------------------------- scheduler thread

    private void loop() {
        while (true) {
            drainIncoming();
            if (handBack) {
                handBackAll();
                break;
            }
            if (!accepting && held.get() == 0) {
                break;
            }
            finishCancelledAndExpired();
            admit();
            if (running.isEmpty()) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(20));
                continue;
            }
            try {
                step();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.SEVERE, "engine step failed; failing its " + running.size() + " running requests", e);
                for (Sequence seq : new ArrayList<>(running)) {
                    finish(seq, FinishReason.ERROR, "the engine failed: " + e);
                }
            }
        }
        stopped = true;
    }

    private void drainIncoming() {
        for (Sequence seq; (seq = incoming.poll()) != null; ) {
            waiting.addLast(seq);
        }
        waitingCount = waiting.size();
    }

    private void finishCancelledAndExpired() {
        Instant now = Instant.now();
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
            Sequence seq = it.next();
            FinishReason reason = interruption(seq, now);
            if (reason != null) {
                it.remove();
                finish(seq, reason, reason == FinishReason.DEADLINE ? "the deadline passed while the request waited" : null);
            }
        }
        for (Sequence seq : new ArrayList<>(running)) {
            FinishReason reason = interruption(seq, now);
            if (reason != null) {
                finish(seq, reason, reason == FinishReason.DEADLINE ? "the deadline passed during generation" : null);
            }
        }
    }

    private static FinishReason interruption(Sequence seq, Instant now) {
        if (seq.cancelled) {
            return FinishReason.CANCELLED;
        }
        Instant deadline = seq.request.deadline();
        return deadline != null && !now.isBefore(deadline) ? FinishReason.DEADLINE : null;
    }

    /** Moves waiting requests into the running set while there is room in the batch and in the KV cache. */
    private void admit() {
        while (!waiting.isEmpty() && running.size() < config.maxRunning()) {
            Sequence seq = waiting.peekFirst();
            int needAll = blocksFor(seq.size);
            long[] keys = new long[seq.size / config.kvBlockSize() + 1];
            int[] hits = blocks.matchPrefix(seq.tokens, seq.size - 1, seq.request.cacheSalt(), keys);
            // Keep one block of headroom per running sequence so that admitting does not force preemptions.
            if (needAll - hits.length > blocks.available() - running.size()) {
                for (int b : hits) {
                    blocks.release(b);
                }
                break;
            }
            waiting.pollFirst();
            for (int i = 0; i < hits.length; i++) {
                seq.addBlock(hits[i]);
                seq.addKey(keys[i]);
            }
            seq.computed = hits.length * config.kvBlockSize();
            if (seq.cachedPromptTokens < 0) {
                seq.cachedPromptTokens = Math.min(seq.computed, seq.promptLength);
                seq.admittedNanos = System.nanoTime();
            }
            seq.admissionOrder = admissions++;
            running.add(seq);
        }
        waitingCount = waiting.size();
        runningCount = running.size();
    }

    /** One forward step: decode tokens first, then prefill chunks, under the step token budget. */
    private void step() {
        long start = System.nanoTime();
        List<Sequence> planned = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        int budget = config.maxStepTokens();
        for (Sequence seq : running) {
            if (seq.pending() == 1) {
                planned.add(seq);
                counts.add(1);
                budget--;
            }
        }
        for (Sequence seq : running) {
            if (seq.pending() > 1 && budget > 0) {
                int n = Math.min(seq.pending(), budget);
                planned.add(seq);
                counts.add(n);
                budget -= n;
            }
        }
        ensureBlocks(planned, counts);
        if (planned.isEmpty()) {
            return;
        }
        batch.clear();
        List<Sequence> sampling = new ArrayList<>();
        int prefill = 0;
        int decode = 0;
        for (int i = 0; i < planned.size(); i++) {
            Sequence seq = planned.get(i);
            int n = counts.get(i);
            // The table may be longer than its used entries; the model only reads those of the fed positions.
            int[] table = seq.blockTable;
            for (int k = 0; k < n; k++) {
                int position = seq.computed + k;
                boolean last = position == seq.size - 1;
                batch.add(seq.tokens[position], position, table, last);
                if (last) {
                    sampling.add(seq);
                }
            }
            if (n == 1 && seq.generated() > 0) {
                decode++;
            } else {
                prefill += n;
            }
        }
        float[] logits = model.forward(batch, kv);
        for (int i = 0; i < planned.size(); i++) {
            Sequence seq = planned.get(i);
            seq.computed += counts.get(i);
            commitFullBlocks(seq);
        }
        for (int j = 0; j < sampling.size(); j++) {
            onLogits(sampling.get(j), logits, j * vocab);
        }
        long took = System.nanoTime() - start;
        steps++;
        stepNanos += took;
        lastStepTokens = batch.size();
        lastStepSequences = planned.size();
        prefillTokens += prefill;
        decodeTokens += sampling.size();
        runningCount = running.size();
    }

    /**
     * Gives every planned sequence the blocks its tokens need. When the pool runs dry, the most recently
     * admitted sequence is preempted (its blocks released, the request put back at the head of the queue)
     * until the rest fit.
     */
    private void ensureBlocks(List<Sequence> planned, List<Integer> counts) {
        for (int i = 0; i < planned.size(); i++) {
            Sequence seq = planned.get(i);
            int need = blocksFor(seq.computed + counts.get(i));
            while (seq.blocks < need) {
                int block = blocks.allocate();
                if (block >= 0) {
                    seq.addBlock(block);
                    continue;
                }
                Sequence victim = running.getLast();
                if (victim == seq && running.size() == 1) {
                    finish(seq, FinishReason.ERROR, "the KV cache (" + blocks.capacity() * config.kvBlockSize()
                            + " tokens) is too small for this sequence alone; raise the KV budget");
                    planned.remove(i);
                    counts.remove(i);
                    i--;
                    break;
                }
                preempt(victim);
                int at = planned.indexOf(victim);
                if (at >= 0) {
                    planned.remove(at);
                    counts.remove(at);
                    if (at <= i) {
                        i--;
                    }
                }
                if (victim == seq) {
                    break;
                }
            }
        }
    }

    private void preempt(Sequence seq) {
        releaseBlocks(seq);
        running.remove(seq);
        waiting.addFirst(seq);
        preemptions++;
    }

    private void releaseBlocks(Sequence seq) {
        for (int b = 0; b < seq.blocks; b++) {
            blocks.release(seq.blockTable[b]);
        }
        seq.resetBlocks();
    }

    /** Names every block the sequence has completely filled, so later requests with the same prefix can share it. */
    private void commitFullBlocks(Sequence seq) {
        int bs = config.kvBlockSize();
        while (seq.committedBlocks < seq.computed / bs) {
            int b = seq.committedBlocks;
            long parentKey = b == 0 ? PrefixCache.ROOT : seq.blockKeys[b - 1];
            int parentBlock = b == 0 ? -1 : seq.blockTable[b - 1];
            seq.addKey(blocks.commitFullBlock(seq.blockTable[b], parentKey, parentBlock, seq.tokens, b * bs,
                    seq.request.cacheSalt()));
        }
    }

    /** Picks the sequence's next token from its logits row and decides whether it is finished. */
    private void onLogits(Sequence seq, float[] logits, int offset) {
        GenerationRequest request = seq.request;
        int token;
        if (request.maxReasoningTokens() > 0 && seq.reasoning.budgetExhausted(request.maxReasoningTokens())) {
            token = thinkCloseId;
            seq.sampler.accept(token);
            seq.reasoningBudgetHit = true;
        } else {
            token = seq.sampler.sample(logits, offset, vocab);
        }
        if (seq.firstTokenNanos < 0) {
            seq.firstTokenNanos = System.nanoTime();
        }
        if (isEndOfTurn(token)) {
            finish(seq, FinishReason.STOP, null);
            return;
        }
        seq.append(token);
        ReasoningTracker.Phase before = seq.reasoning.phase();
        ReasoningTracker.Phase phase = seq.reasoning.onToken(token);
        String piece = seq.decoder.feed(token);
        seq.text.append(piece);
        if (before == ReasoningTracker.Phase.ANSWERING && phase == ReasoningTracker.Phase.ANSWERING
                && !request.stop().isEmpty() && seq.stopMatcher.append(piece)) {
            finish(seq, FinishReason.STOP, null);
            return;
        }
        if (before == ReasoningTracker.Phase.THINKING && phase == ReasoningTracker.Phase.ANSWERING) {
            seq.answerStart = seq.text.length();
        }
        if (seq.generated() >= request.maxTokens() || seq.size >= model.config().contextLength()) {
            finish(seq, phase == ReasoningTracker.Phase.THINKING ? FinishReason.REASONING_LENGTH : FinishReason.LENGTH, null);
        } else if (repetition.enabled() && repetition.isStuck(seq.tokens, seq.size)) {
            finish(seq, FinishReason.REPETITION, null);
        }
    }

    private boolean isEndOfTurn(int token) {
        for (int id : endOfTurnIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    private void finish(Sequence seq, FinishReason reason, String error) {
        running.remove(seq);
        waiting.remove(seq);
        releaseBlocks(seq);
        long now = System.nanoTime();
        String text = seq.text + seq.decoder.flush();
        if (seq.stopMatcher.matched()) {
            text = text.substring(0, seq.answerStart) + seq.stopMatcher.textBeforeStop();
        }
        ReasoningSplit split = splitter.split(text, seq.promptOpensThinking);
        boolean hasAnswer = split.hasAnswer() && reason != FinishReason.REASONING_LENGTH;
        if ((reason == FinishReason.DEADLINE || reason == FinishReason.CANCELLED || reason == FinishReason.REPETITION)
                && seq.reasoning.phase() == ReasoningTracker.Phase.THINKING) {
            hasAnswer = false;
        }
        long admitted = seq.admittedNanos < 0 ? now : seq.admittedNanos;
        long first = seq.firstTokenNanos < 0 ? now : seq.firstTokenNanos;
        GenerationResult result = new GenerationResult(seq.id(), split.reasoning(), hasAnswer ? split.answer() : null, reason,
                new GenerationResult.Usage(seq.promptLength, Math.max(0, seq.cachedPromptTokens),
                        seq.reasoning.reasoningTokens(), seq.reasoning.answerTokens()),
                new GenerationResult.Timings((admitted - seq.submittedNanos) / 1e6, (first - admitted) / 1e6, (now - first) / 1e6),
                seq.generatedTokens(), seq.reasoningBudgetHit, error);
        complete(seq, result);
    }

    private void complete(Sequence seq, GenerationResult result) {
        inFlight.remove(seq.id(), seq);
        held.decrementAndGet();
        completed++;
        runningCount = running.size();
        waitingCount = waiting.size();
        capacityLock.lock();
        try {
            capacityFreed.signalAll();
        } finally {
            capacityLock.unlock();
        }
        try {
            seq.future.complete(result);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a result callback for request " + seq.id() + " failed", e);
        }
    }

    private void handBackAll() {
        List<Sequence> all = new ArrayList<>(running);
        all.addAll(waiting);
        for (Sequence seq : all) {
            handedBack.add(seq.request);
            finish(seq, FinishReason.CANCELLED, "handed back: the engine shut down before the request finished");
        }
    }

    private int blocksFor(int tokens) {
        return (tokens + config.kvBlockSize() - 1) / config.kvBlockSize();
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Stops taking requests, lets those in flight finish for up to {@code grace}, then hands back the rest:
     * their futures complete with CANCELLED and they are returned, so the caller can resume them elsewhere.
     */
    public List<GenerationRequest> shutdown(Duration grace) {
        accepting = false;
        long deadline = System.nanoTime() + grace.toNanos();
        while (held.get() > 0 && System.nanoTime() < deadline && scheduler.isAlive()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        handBack = true;
        LockSupport.unpark(scheduler);
        try {
            scheduler.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsModel) {
            model.close();
        }
        return List.copyOf(handedBack);
    }

    /** Shuts down, handing back whatever has not finished at once. */
    @Override
    public void close() {
        if (!stopped) {
            shutdown(Duration.ZERO);
        }
    }
}
