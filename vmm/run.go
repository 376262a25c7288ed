package vmm

import (
	"context"
	"fmt"
)

// Run boots cfg's executable as a guest, runs it to its exit_group and tears
// the VM down again: every vCPU thread, descriptor and mapping is released
// before Run returns. Run may be called many times and concurrently.
//
// A guest that exits, with any status, is a success: err is nil and
// res.ExitStatus holds the status. Otherwise err wraps one of the package's
// sentinels (or ctx.Err() when ctx ends first); when the guest had started,
// res is non-nil too and holds the output and statistics so far.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	lim := cfg.Limits.withDefaults()
	if cfg.Snapshot {
		if key, ok := snapshotKey(&cfg, lim); ok {
			return runFromSnapshot(ctx, &cfg, lim, key)
		}
	}
	res, _, _, err := runMachine(ctx, &cfg, lim, nil, false)
	return res, err
}

// runFromSnapshot runs cfg from the snapshot for key: the one this
// process holds, else the one in Config.SnapshotDir, else one it takes
// first (and saves there).
func runFromSnapshot(ctx context.Context, cfg *Config, lim Limits, key string) (*Result, error) {
	e, create := acquireSnapshot(key)
	start := StartSnapshot
	if create {
		var fileKey [32]byte
		persist := false
		if cfg.SnapshotDir != "" {
			if host, err := hostKVMInfo(); err == nil {
				fileKey, persist = snapshotFileKey(cfg, lim, host)
			}
		}
		if persist {
			if snap, err := loadSnapshotFile(cfg.SnapshotDir, fileKey, lim, len(cfg.Files)); err == nil {
				e.publish(key, snap, false)
				return runRestored(ctx, cfg, lim, snap, StartSnapshotFile)
			}
		}
		res, snap, frozen, err := runMachine(ctx, cfg, lim, nil, true)
		if !frozen {
			// The guest never used a descriptor (it exited, failed or
			// was stopped first): this was the whole run.
			e.publish(key, nil, err == nil)
			return res, err
		}
		e.publish(key, snap, false)
		if persist {
			_ = saveSnapshotFile(cfg.SnapshotDir, fileKey, snap) // best effort: see snapshot_file.go
		}
		start = StartFresh // this run did boot the guest
	} else {
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("vmm: run cancelled: %w", ctx.Err())
		}
	}
	return runRestored(ctx, cfg, lim, e.snap, start)
}

// runRestored runs cfg from snap (fresh when snap is nil: the guest is
// known not to use a descriptor) and records where it started.
func runRestored(ctx context.Context, cfg *Config, lim Limits, snap *snapshot, start Start) (*Result, error) {
	if snap == nil {
		start = StartFresh
	}
	res, _, _, err := runMachine(ctx, cfg, lim, snap, false)
	if res != nil {
		res.Stats.Start = start
	}
	return res, err
}

// runMachine runs one VM: fresh, from snap, or (freezing) until the guest
// first uses a descriptor, returning the snapshot taken there.
func runMachine(ctx context.Context, cfg *Config, lim Limits, snap *snapshot, freezing bool) (res *Result, taken *snapshot, frozen bool, err error) {
	m, err := newMachine(cfg, lim, snap, freezing)
	if err != nil {
		return nil, nil, false, err
	}
	defer m.close()
	m.files.m = m
	stopOnCancel := context.AfterFunc(ctx, func() {
		m.stop(fmt.Errorf("vmm: run cancelled: %w", ctx.Err()), 0)
	})
	defer stopOnCancel()
	res, err = m.run(cfg, snap)
	if freezing && m.isFrozen() {
		return nil, takeSnapshot(m), true, nil
	}
	return res, nil, false, err
}

// validate checks cfg without touching KVM or the executable.
func (cfg *Config) validate() error {
	if (cfg.Path == "") == (cfg.Executable == nil) {
		return fmt.Errorf("%w: set exactly one of Path and Executable", ErrInvalidConfig)
	}
	if cfg.SnapshotDir != "" && (!cfg.Snapshot || cfg.Path == "") {
		return fmt.Errorf("%w: SnapshotDir needs Snapshot and Path", ErrInvalidConfig)
	}
	l := cfg.Limits
	if l.Memory < 0 || l.VCPUs < 0 || l.VCPUs > MaxVCPUs || l.WallTime < 0 || l.Written < 0 || l.Stdout < 0 || l.Stderr < 0 {
		return fmt.Errorf("%w: limits must be positive (or zero for the default), VCPUs at most %d", ErrInvalidConfig, MaxVCPUs)
	}
	for i, f := range cfg.Files {
		switch f.Mode {
		case ReadOnly:
			if f.Host != nil && f.Data != nil {
				return fmt.Errorf("%w: Files[%d] (fd %d) has both Host and Data", ErrInvalidConfig, i, 3+i)
			}
		case WriteOnly:
			if f.Data != nil {
				return fmt.Errorf("%w: Files[%d] (fd %d) is write-only but has Data", ErrInvalidConfig, i, 3+i)
			}
			if f.MaxSize < 0 {
				return fmt.Errorf("%w: Files[%d] (fd %d) has a negative MaxSize", ErrInvalidConfig, i, 3+i)
			}
		default:
			return fmt.Errorf("%w: Files[%d] (fd %d) has mode %v; want ReadOnly or WriteOnly", ErrInvalidConfig, i, 3+i, f.Mode)
		}
	}
	return nil
}
