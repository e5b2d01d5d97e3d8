//! The WASM checker sandbox (white paper §8.1 "Agents run in isolated JavaScript/WASM
//! contexts", "Compute and storage quotas enforced"): runs a spec's checker module on
//! (task input, output) under a fuel budget, a memory cap and a wall-clock timeout, with
//! no imports but the one this module defines.
//!
//! # Runtime
//!
//! [`wasmi`] 2 (an interpreter), not `wasmtime` (a JIT): its fuel metering counts the
//! same units on every machine, so a checker that runs out of fuel does so at the same
//! instruction for every juror and the verdict bytes agree; it builds from a few pure
//! Rust crates in seconds (wasmtime brings Cranelift and ~100 crates, minutes on the
//! project's 2-core machines); and a checker is a small pure function where a JIT's speed
//! buys little next to its start-up. NaN bit patterns are canonicalised (`wasmi`'s
//! `deterministic` feature), modules are validated and compiled eagerly (so no fuel is
//! spent on lazy compilation and a cached module uses the same fuel as a fresh one),
//! start functions are refused, and the engine enforces `wasmi`'s strict limits on
//! functions, globals, tables and segments.
//!
//! # ABI
//!
//! A checker module:
//! * exports its linear memory as `memory` (one memory, at most the checker's
//!   `memory_bytes`; growing past it traps);
//! * exports `alloc(len: i32) -> i32`, returning the offset of `len` writable bytes;
//! * exports `check(input_ptr: i32, input_len: i32, output_ptr: i32, output_len: i32) -> i64`.
//!   The host calls `alloc` for the input, then for the output, copies them in — the
//!   input is the spec's `input` as compact JSON (UTF-8), the output the result's
//!   `output` (UTF-8) — and calls `check`, which returns `(pass << 32) | score_bps`:
//!   bit 32 is pass (1) or fail (0), bits 0–15 the score in basis points (≤ 10 000),
//!   every other bit 0;
//! * may import exactly one function, `aos.reason(ptr: i32, len: i32)`, to give a
//!   UTF-8 reason (≤ [`MAX_CHECKER_REASON_BYTES`]; the last call wins). Any other import —
//!   WASI's `fd_write` or `sock_open`, a memory, a table, a global — is refused before
//!   the module runs ([`SandboxError::ForbiddenImport`]), so a checker has no file, clock,
//!   network or randomness.
//!
//! `alloc` and `check` share one fuel budget. Fuel is handed out in slices of
//! [`FUEL_SLICE`] through `wasmi`'s resumable calls; between slices the sandbox checks the
//! wall clock, so an interpreter on a slow machine still stops at the timeout.
//!
//! # Errors
//!
//! Every [`SandboxError`] but [`SandboxError::Timeout`] is deterministic: the same
//! module, limits and bytes give the same error everywhere — for the same `wasmi` version,
//! since fuel costs per instruction are `wasmi`'s (pinned by the workspace's `Cargo.lock`;
//! jurors on another version may disagree on a checker that ends near its budget).

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aos_protocol::ContentId;
use aos_protocol::messages::{BPS, WasmChecker};
use lru::LruCache;
use wasmi::errors::{ErrorKind, InstantiationError, MemoryError};
use wasmi::{
    Caller, CompilationMode, Config, EnforcedLimits, Engine, Extern, ExternType, Linker, Module,
    Store, StoreLimits, StoreLimitsBuilder, TrapCode, TypedFunc, TypedResumableCall, WasmParams,
    WasmResults,
};

/// Largest checker module, bytes (8 MiB).
pub const MAX_CHECKER_MODULE_BYTES: u64 = 8 << 20;
/// Longest reason a checker may give, bytes.
pub const MAX_CHECKER_REASON_BYTES: usize = 512;
/// Fuel handed out per slice between wall-clock checks (a few milliseconds of
/// interpretation).
pub const FUEL_SLICE: u64 = 1_000_000;
/// The one import a checker may use: module name.
pub const REASON_IMPORT_MODULE: &str = "aos";
/// The one import a checker may use: function name.
pub const REASON_IMPORT_NAME: &str = "reason";
/// Compiled modules kept by [`Sandbox::default`].
pub const DEFAULT_CACHE_MODULES: usize = 64;

/// Why a checker did not give a verdict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    /// The bytes are not a valid WASM module this sandbox runs (parse or validation
    /// error, a start function, too large, or not the module the id names).
    #[error("malformed checker module: {0}")]
    Malformed(String),
    /// The module imports something other than `aos.reason`.
    #[error(
        "checker module imports {kind} `{module}.{name}`: a checker may import only `aos.reason` (no WASI, files, clock or network)"
    )]
    ForbiddenImport {
        /// Import module name, e.g. `wasi_snapshot_preview1`.
        module: String,
        /// Import field name, e.g. `fd_write`.
        name: String,
        /// `function`, `memory`, `table` or `global`.
        kind: &'static str,
    },
    /// The checker used its whole fuel budget.
    #[error("checker ran out of fuel after {fuel} units")]
    OutOfFuel {
        /// The budget.
        fuel: u64,
    },
    /// The checker's memory would grow past the cap.
    #[error("checker tried to use more than its memory cap of {limit_bytes} bytes")]
    MemoryLimit {
        /// The cap, bytes.
        limit_bytes: u64,
    },
    /// The checker ran past its wall-clock limit (not deterministic: a slow machine).
    #[error("checker ran past its {timeout_ms} ms timeout")]
    Timeout {
        /// The limit, ms.
        timeout_ms: u64,
    },
    /// The checker trapped (unreachable, division by zero, out-of-bounds access, stack
    /// overflow…).
    #[error("checker trapped: {0}")]
    Trap(String),
    /// The module does not follow the ABI (module docs).
    #[error("checker breaks the ABI: {0}")]
    BadAbi(String),
}

impl SandboxError {
    /// Whether the same module, limits and bytes give this error on every machine
    /// (everything but [`SandboxError::Timeout`]).
    pub fn is_deterministic(&self) -> bool {
        !matches!(self, Self::Timeout { .. })
    }
}

/// What a checker said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckerRun {
    /// Pass (bit 32 of `check`'s result).
    pub pass: bool,
    /// Score, basis points.
    pub score_bps: u16,
    /// The reason it gave through `aos.reason`, if any.
    pub reason: Option<String>,
    /// Fuel used by `alloc` and `check` together (deterministic).
    pub fuel_used: u64,
}

/// A compiled, import-checked checker module; cheap to clone.
#[derive(Debug, Clone)]
pub struct CheckerModule(Module);

/// The sandbox: one `wasmi` engine (configuration in the module docs) and a bounded LRU
/// cache of compiled modules keyed by their content id. `Send + Sync`; share it in an
/// `Arc`.
#[derive(Debug)]
pub struct Sandbox {
    engine: Engine,
    cache: Mutex<LruCache<ContentId, CheckerModule>>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new(NonZeroUsize::new(DEFAULT_CACHE_MODULES).unwrap_or(NonZeroUsize::MIN))
    }
}

struct Host {
    limits: StoreLimits,
    reason: Option<String>,
}

impl Sandbox {
    /// A sandbox caching at most `cache_modules` compiled modules.
    pub fn new(cache_modules: NonZeroUsize) -> Self {
        let mut config = Config::default();
        config
            .consume_fuel(true)
            .compilation_mode(CompilationMode::Eager)
            .allow_start_fn(false)
            .enforced_limits(EnforcedLimits::strict());
        Self {
            engine: Engine::new(&config),
            cache: Mutex::new(LruCache::new(cache_modules)),
        }
    }

    /// The cached module for `id`, if any.
    pub fn cached(&self, id: &ContentId) -> Option<CheckerModule> {
        self.lock().get(id).cloned()
    }

    /// The module `id` names: from the cache, or compiled from `wasm` (which must hash to
    /// `id`) and cached.
    ///
    /// # Errors
    /// [`SandboxError::Malformed`] (including bytes that do not hash to `id`),
    /// [`SandboxError::ForbiddenImport`], [`SandboxError::BadAbi`].
    pub fn compile(&self, id: &ContentId, wasm: &[u8]) -> Result<CheckerModule, SandboxError> {
        if let Some(m) = self.cached(id) {
            return Ok(m);
        }
        id.verify(wasm)
            .map_err(|e| SandboxError::Malformed(e.to_string()))?;
        let m = self.compile_uncached(wasm)?;
        self.lock().put(*id, m.clone());
        Ok(m)
    }

    /// Compiles `wasm` without the cache and checks its imports and exports against the
    /// ABI (module docs).
    ///
    /// # Errors
    /// [`SandboxError::Malformed`], [`SandboxError::ForbiddenImport`],
    /// [`SandboxError::BadAbi`].
    pub fn compile_uncached(&self, wasm: &[u8]) -> Result<CheckerModule, SandboxError> {
        if wasm.len() as u64 > MAX_CHECKER_MODULE_BYTES {
            return Err(SandboxError::Malformed(format!(
                "{} bytes, above the {MAX_CHECKER_MODULE_BYTES}-byte limit",
                wasm.len()
            )));
        }
        let module =
            Module::new(&self.engine, wasm).map_err(|e| SandboxError::Malformed(e.to_string()))?;
        for import in module.imports() {
            let kind = match import.ty() {
                ExternType::Func(_) => "function",
                ExternType::Memory(_) => "memory",
                ExternType::Table(_) => "table",
                ExternType::Global(_) => "global",
            };
            let allowed = kind == "function"
                && import.module() == REASON_IMPORT_MODULE
                && import.name() == REASON_IMPORT_NAME;
            if !allowed {
                return Err(SandboxError::ForbiddenImport {
                    module: import.module().to_owned(),
                    name: import.name().to_owned(),
                    kind,
                });
            }
        }
        for (name, want) in [
            ("memory", "memory"),
            ("alloc", "function"),
            ("check", "function"),
        ] {
            let ok = matches!(
                (module.get_export(name), want),
                (Some(ExternType::Memory(_)), "memory") | (Some(ExternType::Func(_)), "function")
            );
            if !ok {
                return Err(SandboxError::BadAbi(format!(
                    "the module does not export the {want} `{name}`"
                )));
            }
        }
        Ok(CheckerModule(module))
    }

    /// Runs `module` on (`input`, `output`) under `limits`' fuel, memory and timeout
    /// (module docs), in the engine that compiled it. Blocks for up to `limits.timeout_ms`: call it from a blocking
    /// thread in async code.
    ///
    /// # Errors
    /// [`SandboxError::OutOfFuel`], [`SandboxError::MemoryLimit`],
    /// [`SandboxError::Timeout`], [`SandboxError::Trap`], [`SandboxError::BadAbi`].
    pub fn run(
        &self,
        module: &CheckerModule,
        limits: &WasmChecker,
        input: &[u8],
        output: &[u8],
    ) -> Result<CheckerRun, SandboxError> {
        let cap = usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX);
        let host = Host {
            limits: StoreLimitsBuilder::new()
                .memory_size(cap)
                .memories(1)
                .tables(1)
                .table_elements(10_000)
                .instances(1)
                .trap_on_grow_failure(true)
                .build(),
            reason: None,
        };
        // the module's own engine: a module compiled by another sandbox runs too
        let engine = module.0.engine();
        let mut store = Store::new(engine, host);
        store.limiter(|h| &mut h.limits);
        let mut meter = Meter {
            budget: limits.fuel,
            used: 0,
            granted: 0,
            start: Instant::now(),
            timeout: Duration::from_millis(limits.timeout_ms),
            limits: limits.clone(),
        };
        let mut linker = Linker::<Host>::new(engine);
        linker
            .func_wrap(REASON_IMPORT_MODULE, REASON_IMPORT_NAME, reason_host)
            .map_err(|e| SandboxError::BadAbi(e.to_string()))?;
        // instantiation (data segments) runs no guest code: one grant of the whole budget
        meter.grant(&mut store, limits.fuel)?;
        let instance = linker
            .instantiate_and_start(&mut store, &module.0)
            .map_err(|e| meter.map_error(&e))?;
        meter.settle(&store);
        let memory = instance
            .get_memory(&store, "memory")
            .ok_or_else(|| SandboxError::BadAbi("no exported memory `memory`".into()))?;
        let alloc: TypedFunc<i32, i32> = instance
            .get_typed_func(&store, "alloc")
            .map_err(|e| SandboxError::BadAbi(format!("`alloc` is not (i32) -> i32: {e}")))?;
        let check: TypedFunc<(i32, i32, i32, i32), i64> =
            instance.get_typed_func(&store, "check").map_err(|e| {
                SandboxError::BadAbi(format!("`check` is not (i32, i32, i32, i32) -> i64: {e}"))
            })?;

        let place = |store: &mut Store<Host>,
                     meter: &mut Meter,
                     what: &str,
                     bytes: &[u8]|
         -> Result<i32, SandboxError> {
            let len = i32::try_from(bytes.len()).map_err(|_| {
                SandboxError::BadAbi(format!("the {what} of {} bytes exceeds i32", bytes.len()))
            })?;
            let ptr = meter.call(store, &alloc, len)?;
            let at = usize::try_from(ptr as u32).unwrap_or(usize::MAX);
            memory.write(&mut *store, at, bytes).map_err(|_| {
                SandboxError::BadAbi(format!(
                    "alloc({len}) for the {what} returned {ptr}, outside the memory of {} bytes",
                    memory.data_size(&*store)
                ))
            })?;
            Ok(ptr)
        };
        let input_ptr = place(&mut store, &mut meter, "input", input)?;
        let output_ptr = place(&mut store, &mut meter, "output", output)?;
        let packed = meter.call(
            &mut store,
            &check,
            (
                input_ptr,
                input.len() as i32,
                output_ptr,
                output.len() as i32,
            ),
        )?;
        let (pass, score_bps) = unpack(packed)?;
        Ok(CheckerRun {
            pass,
            score_bps,
            reason: store.into_data().reason,
            fuel_used: meter.used,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<ContentId, CheckerModule>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// `check`'s result → (pass, score); the ABI in the module docs.
fn unpack(packed: i64) -> Result<(bool, u16), SandboxError> {
    let bits = packed as u64;
    let score = bits & 0xFFFF_FFFF;
    let stray = bits & !((1u64 << 32) | 0xFFFF);
    if stray != 0 || score > u64::from(BPS) {
        return Err(SandboxError::BadAbi(format!(
            "check returned {packed:#x}: expected (pass << 32) | score_bps with score_bps ≤ {BPS}"
        )));
    }
    Ok((bits >> 32 == 1, score as u16))
}

/// `aos.reason(ptr, len)`: copies the checker's reason out of its memory.
fn reason_host(mut caller: Caller<'_, Host>, ptr: i32, len: i32) -> Result<(), wasmi::Error> {
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    if len > MAX_CHECKER_REASON_BYTES {
        return Err(wasmi::Error::new(format!(
            "reason of {len} bytes exceeds {MAX_CHECKER_REASON_BYTES}"
        )));
    }
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return Err(wasmi::Error::new(
            "reason called without an exported memory",
        ));
    };
    let mut buf = vec![0u8; len];
    memory
        .read(&caller, ptr, &mut buf)
        .map_err(|_| wasmi::Error::new(format!("reason({ptr}, {len}) is outside memory")))?;
    caller.data_mut().reason = Some(String::from_utf8_lossy(&buf).into_owned());
    Ok(())
}

/// Fuel accounting across slices, and the wall clock.
struct Meter {
    budget: u64,
    used: u64,
    granted: u64,
    start: Instant,
    timeout: Duration,
    limits: WasmChecker,
}

impl Meter {
    fn grant(&mut self, store: &mut Store<Host>, fuel: u64) -> Result<(), SandboxError> {
        store
            .set_fuel(fuel)
            .map_err(|e| SandboxError::Trap(e.to_string()))?;
        self.granted = fuel;
        Ok(())
    }

    /// Counts what was used of the last grant.
    fn settle(&mut self, store: &Store<Host>) {
        let left = store.get_fuel().unwrap_or(0);
        self.used += self.granted.saturating_sub(left);
        self.granted = left;
    }

    /// After running out of a slice: stop on the budget or the clock, else grant the next
    /// slice (at least `required`, what the next instruction costs).
    fn refill(&mut self, store: &mut Store<Host>, required: u64) -> Result<(), SandboxError> {
        self.settle(store);
        let left = self.budget.saturating_sub(self.used);
        if required > left || left == 0 {
            self.used = self.budget;
            return Err(SandboxError::OutOfFuel { fuel: self.budget });
        }
        if self.start.elapsed() > self.timeout {
            return Err(SandboxError::Timeout {
                timeout_ms: self.limits.timeout_ms,
            });
        }
        // set_fuel replaces what is left of the old grant, which was never used
        self.grant(store, FUEL_SLICE.max(required).min(left))
    }

    /// Calls `f` resumably, slice by slice.
    fn call<P: WasmParams, R: WasmResults>(
        &mut self,
        store: &mut Store<Host>,
        f: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, SandboxError> {
        // start each call on a fresh slice, so the clock is checked within one slice
        self.settle(store);
        let left = self.budget.saturating_sub(self.used);
        self.grant(store, FUEL_SLICE.min(left))?;
        let mut call = f
            .call_resumable(&mut *store, params)
            .map_err(|e| self.map_error(&e))?;
        loop {
            match call {
                TypedResumableCall::Finished(r) => {
                    self.settle(store);
                    return Ok(r);
                }
                TypedResumableCall::OutOfFuel(pending) => {
                    self.refill(store, pending.required_fuel())?;
                    call = pending
                        .resume(&mut *store)
                        .map_err(|e| self.map_error(&e))?;
                }
                TypedResumableCall::HostTrap(pending) => {
                    return Err(SandboxError::BadAbi(pending.host_error().to_string()));
                }
            }
        }
    }

    fn map_error(&self, e: &wasmi::Error) -> SandboxError {
        match e.kind() {
            ErrorKind::Memory(
                MemoryError::ResourceLimiterDeniedAllocation | MemoryError::OutOfBoundsGrowth,
            )
            | ErrorKind::Instantiation(InstantiationError::FailedToInstantiateMemory(
                MemoryError::ResourceLimiterDeniedAllocation | MemoryError::OutOfBoundsGrowth,
            )) => {
                return SandboxError::MemoryLimit {
                    limit_bytes: self.limits.memory_bytes,
                };
            }
            ErrorKind::TrapCode(TrapCode::GrowthOperationLimited) => {
                return SandboxError::MemoryLimit {
                    limit_bytes: self.limits.memory_bytes,
                };
            }
            _ => {}
        }
        if e.as_trap_code() == Some(TrapCode::OutOfFuel) {
            return SandboxError::OutOfFuel { fuel: self.budget };
        }
        SandboxError::Trap(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpack_follows_the_abi() {
        assert_eq!(unpack((1 << 32) | 10_000).unwrap(), (true, 10_000));
        assert_eq!(unpack(2500).unwrap(), (false, 2500));
        assert!(unpack(10_001).is_err());
        assert!(unpack(-1).is_err());
        assert!(unpack(1 << 33).is_err());
        assert!(unpack(1 << 16).is_err());
    }
}
