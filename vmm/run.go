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

// runFromSnapshot runs cfg from the snapshot for key, taking it first when
// this is the first such run.
func runFromSnapshot(ctx context.Context, cfg *Config, lim Limits, key string) (*Result, error) {
	e, create := acquireSnapshot(key)
	if create {
		res, snap, frozen, err := runMachine(ctx, cfg, lim, nil, true)
		if !frozen {
			// The guest never used a descriptor (it exited, failed or
			// was stopped first): this was the whole run.
			e.publish(key, nil, err == nil)
			return res, err
		}
		e.publish(key, snap, false)
	} else {
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("vmm: run cancelled: %w", ctx.Err())
		}
	}
	res, _, _, err := runMachine(ctx, cfg, lim, e.snap, false)
	return res, err
}

// runMachine runs one VM: fresh, from snap, or (freezing) until the guest
// first uses a descriptor, returning the snapshot taken there.
func runMachine(ctx context.Context, cfg *Config, lim Limits, snap *snapshot, freezing bool) (res *Result, taken *snapshot, frozen bool, err error) {
	m, err := newMachine(cfg, lim, snap)
	if err != nil {
		return nil, nil, false, err
	}
	defer m.close()
	m.files.m = m
	m.freezing = freezing
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
