package wasmplane

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/gobuild"
	"github.com/wasmplane/wasmplane/manifest"
)

// AppOptions configure StartApp.
type AppOptions struct {
	// Factories make the manifest's Go components, by factory name.
	Factories map[string]Factory
	// Logger receives events and logs (default slog.Default()).
	Logger *slog.Logger
	// BuildCacheDir holds Go guests built from source (default
	// $XDG_CACHE_HOME/wasmplane/gobuild or the OS equivalent).
	BuildCacheDir string
	// OnBuild, if set, is told about each Go guest built or reused.
	OnBuild func(component, wasmPath string, cached bool)
}

// App is a running manifest.
type App struct {
	sys      *System
	manifest *manifest.Manifest
	opts     AppOptions
	pids     map[string][]PID
	shared   *SharedMemory // nil when the manifest declares no regions
	// sharing counts the partitions handed out to sharing guests.
	sharing int
	root    *Supervisor
	// loaded remembers each single-instance Wasm component's module, for
	// Reload.
	loaded map[string]*loadedModule
}

type loadedModule struct {
	hash      [32]byte
	partition int
}

// StartApp loads every module of m (building Go guest sources as needed),
// then spawns the components in manifest order, each instance at a time.
// If any step fails, what was started is shut down and the error names the
// component.
func StartApp(ctx context.Context, m *manifest.Manifest, opts AppOptions) (*App, error) {
	sys, err := New(ctx, Config{
		Logger: opts.Logger, MaxMessageSize: m.System.MaxMessageSize,
		RequestTimeout: m.System.RequestTimeout, CacheDir: m.System.CacheDir,
		Priorities: m.System.Priorities,
	})
	if err != nil {
		return nil, err
	}
	app := &App{sys: sys, manifest: m, opts: opts, pids: map[string][]PID{}, loaded: map[string]*loadedModule{}}
	if err := defineInterfaces(m, sys.sys.Registry()); err != nil {
		sys.Close(ctx)
		return nil, err
	}
	mods := make([]*Module, len(m.Components))
	factories := make([]Factory, len(m.Components))
	for i, c := range m.Components {
		f, mod, err := app.factory(ctx, c, opts)
		if err != nil {
			sys.Close(ctx)
			return nil, fmt.Errorf("%s: component %q: %w", where(m, c), c.Name, err)
		}
		factories[i], mods[i] = f, mod
	}
	if err := checkInterfaces(m, mods, sys.sys.Registry()); err != nil {
		sys.Close(ctx)
		return nil, err
	}
	applyBoundary(sys, m)
	if len(m.Regions) > 0 {
		if err := app.shareRegions(ctx, mods); err != nil {
			sys.Close(ctx)
			return nil, fmt.Errorf("%s: regions: %w", m.File, err)
		}
	}
	// Single-instance components run under the root supervisor (the
	// manifest's tree, or a default one_for_one root), which also makes
	// them hot-swappable; components with several instances are spawned
	// directly and restarted once per crash.
	children := map[string]ChildSpec{}
	for i, c := range m.Components {
		for range c.Instances {
			f := factories[i]
			part := 0
			if app.shared != nil && mods[i] != nil && mods[i].Kind() == KindWasm {
				// Each instance of a sharing guest runs on its own partition,
				// at every restart; other guests reach the regions by copy.
				if mods[i].m.Shared() {
					part = app.sharing
					app.sharing++
				}
				f = app.shared.Factory(mods[i], SharedOptions{WasmOptions: app.wasmOptions(c), Partition: part})
			}
			if c.Instances == 1 {
				children[c.Name] = ChildSpec{Name: c.Name, Factory: f, Spawn: spawnOptions(c), Restart: Permanent}
				if mods[i] != nil {
					app.loaded[c.Name] = &loadedModule{hash: mods[i].hash, partition: part}
				}
				continue
			}
			pid, err := sys.Spawn(f, spawnOptions(c))
			if err != nil {
				sys.Close(ctx)
				return nil, fmt.Errorf("%s: component %q: %w", where(m, c), c.Name, err)
			}
			app.pids[c.Name] = append(app.pids[c.Name], pid)
		}
	}
	spec, err := rootSpec(m, children)
	if err != nil {
		sys.Close(ctx)
		return nil, err
	}
	root, err := sys.StartSupervisor(spec)
	if err != nil {
		sys.Close(ctx)
		return nil, fmt.Errorf("%s: %w", m.File, err)
	}
	app.root = root
	for name := range children {
		if pid, err := sys.Lookup(name); err == nil {
			app.pids[name] = []PID{pid}
		}
	}
	if err := bindHandlers(sys, m); err != nil {
		sys.Close(ctx)
		return nil, err
	}
	return app, nil
}

// defineInterfaces registers the manifest's interfaces for typed calls.
func defineInterfaces(m *manifest.Manifest, reg *boundary.Registry) error {
	var errs []error
	for _, in := range m.Interfaces {
		bi := boundary.Interface{Name: in.Name}
		for _, op := range in.Operations {
			bop := boundary.Op{Name: op.Name}
			for _, p := range op.Params {
				t, _ := boundary.ParseType(p.Type) // validated with the manifest
				bop.Params = append(bop.Params, boundary.Param{Name: p.Name, Type: t})
			}
			for _, p := range op.Results {
				t, _ := boundary.ParseType(p.Type)
				bop.Results = append(bop.Results, boundary.Param{Name: p.Name, Type: t})
			}
			bi.Ops = append(bi.Ops, bop)
		}
		if err := reg.Define(bi); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d:%d: interface %q: %w", m.File, in.Line, in.Column, in.Name, err))
		}
	}
	return errors.Join(errs...)
}

// checkInterfaces checks, before any component starts, that every import
// has an exporter and that each Wasm guest's exports match the interfaces
// it declares: an export "iface.op" per operation with the core signature
// of its types (docs/boundary.md). Every mismatch is reported, naming the
// operation, the parameter, what was expected and what the module has.
func checkInterfaces(m *manifest.Manifest, mods []*Module, reg *boundary.Registry) error {
	if len(m.Interfaces) == 0 {
		return nil
	}
	var errs []error
	for i, c := range m.Components {
		exports := c.ExportedInterfaces() // a proxy's interface is checked when its module loads
		if len(exports)+len(c.Imports) == 0 {
			continue
		}
		if err := reg.Declare(boundary.ComponentDecl{Name: c.Name, Exports: exports, Imports: c.Imports}); err != nil {
			errs = append(errs, fmt.Errorf("%s: component %q: %w", where(m, c), c.Name, err))
			continue
		}
		if mods[i] != nil && mods[i].Kind() == KindWasm && len(c.Exports) > 0 {
			if err := reg.CheckModule(c.Name, c.Exports, mods[i].m.ExportSignatures()); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where(m, c), err)) // the error names the component
			}
		}
	}
	if err := reg.CheckImports(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", m.File, err))
	}
	return errors.Join(errs...)
}

// rootSpec turns the manifest's supervision tree into a SupervisorSpec,
// adding every single-instance component it does not name as a permanent
// child of the root, in manifest order.
func rootSpec(m *manifest.Manifest, children map[string]ChildSpec) (SupervisorSpec, error) {
	tree := m.Supervision
	if tree == nil {
		tree = &manifest.Supervision{Name: manifest.DefaultSupervisorName, Strategy: manifest.DefaultStrategy,
			Intensity: manifest.DefaultIntensity, Period: manifest.DefaultPeriod}
	}
	placed := map[string]bool{}
	spec, err := supervisorSpec(m, tree, children, placed)
	if err != nil {
		return spec, err
	}
	for _, c := range m.Components {
		if cs, ok := children[c.Name]; ok && !placed[c.Name] {
			spec.Children = append(spec.Children, cs)
		}
	}
	return spec, nil
}

func supervisorSpec(m *manifest.Manifest, s *manifest.Supervision, children map[string]ChildSpec, placed map[string]bool) (SupervisorSpec, error) {
	spec := SupervisorSpec{Name: s.Name, Intensity: s.Intensity, Period: s.Period}
	if spec.Intensity == 0 {
		spec.Intensity = -1 // the manifest's 0 means no restart allowed
	}
	switch s.Strategy {
	case manifest.StrategyOneForAll:
		spec.Strategy = OneForAll
	case manifest.StrategyRestForOne:
		spec.Strategy = RestForOne
	}
	for _, ch := range s.Children {
		if ch.Supervisor != nil {
			sub, err := supervisorSpec(m, ch.Supervisor, children, placed)
			if err != nil {
				return spec, err
			}
			spec.Children = append(spec.Children, childOptions(ChildSpec{Name: sub.Name, Supervisor: &sub}, ch))
			continue
		}
		cs, ok := children[ch.Component]
		if !ok {
			return spec, fmt.Errorf("%s:%d:%d: supervision: component %q has several instances; only single-instance components can be supervised for now",
				m.File, ch.Line, ch.Column, ch.Component)
		}
		placed[ch.Component] = true
		spec.Children = append(spec.Children, childOptions(cs, ch))
	}
	return spec, nil
}

// childOptions applies a manifest child's restart, shutdown, backoff and
// triggers to cs.
func childOptions(cs ChildSpec, ch manifest.Child) ChildSpec {
	switch ch.Restart {
	case manifest.RestartTransient:
		cs.Restart = Transient
	case manifest.RestartTemporary:
		cs.Restart = Temporary
	}
	cs.Shutdown, cs.Brutal = ch.Shutdown, ch.Brutal
	switch ch.Backoff.Kind {
	case manifest.BackoffFixed:
		cs.Backoff = Backoff{Kind: BackoffFixed, Initial: ch.Backoff.Initial}
	case manifest.BackoffExponential:
		cs.Backoff = Backoff{Kind: BackoffExponential, Initial: ch.Backoff.Initial, Max: ch.Backoff.Max, Jitter: ch.Backoff.Jitter}
	}
	if ch.OnError == manifest.OnErrorRestart {
		cs.OnError = ErrorRestart
	}
	if ch.ErrorRate != nil {
		cs.ErrorRate = ErrorRate{Max: ch.ErrorRate.Max, Window: ch.ErrorRate.Window}
	}
	if ch.Health != nil {
		cs.Health = Health{Interval: ch.Health.Interval, Timeout: ch.Health.Timeout}
	}
	return cs
}

// Root is the app's root supervisor.
func (a *App) Root() *Supervisor { return a.root }

// Reload re-reads the manifest and hot-swaps every single-instance Wasm
// component whose module changed (Go guests are rebuilt when their source
// changed), handing state across; it returns the swapped components.
// Components added to or removed from the manifest, and other changes,
// take effect at the next start.
func (a *App) Reload(ctx context.Context) ([]string, error) {
	m, err := manifest.Load(a.manifest.File)
	if err != nil {
		return nil, err
	}
	var swapped []string
	var errs []error
	for _, c := range m.Components {
		old, ok := a.loaded[c.Name]
		if !ok || c.Kind == manifest.KindGo {
			continue
		}
		path, err := ModulePath(ctx, m, c, a.opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("component %q: %w", c.Name, err))
			continue
		}
		bin, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("component %q: %w", c.Name, err))
			continue
		}
		if sha256.Sum256(bin) == old.hash {
			continue
		}
		kind := KindWasm
		if c.Kind == manifest.KindWASICommand {
			kind = KindWASICommand
		}
		mod, err := a.sys.LoadModule(ctx, c.Name, bin, kind)
		if err != nil {
			errs = append(errs, fmt.Errorf("component %q: %w", c.Name, err))
			continue
		}
		f := mod.Factory(a.wasmOptions(c))
		if a.shared != nil && kind == KindWasm {
			f = a.shared.Factory(mod, SharedOptions{WasmOptions: a.wasmOptions(c), Partition: old.partition})
		}
		if err := a.sys.Swap(ctx, c.Name, f); err != nil {
			errs = append(errs, fmt.Errorf("component %q: %w", c.Name, err))
			continue
		}
		old.hash = mod.hash
		swapped = append(swapped, c.Name)
	}
	return swapped, errors.Join(errs...)
}

func where(m *manifest.Manifest, c manifest.Component) string {
	if m.File == "" || c.Line == 0 {
		return "manifest"
	}
	return fmt.Sprintf("%s:%d:%d", m.File, c.Line, c.Column)
}

func spawnOptions(c manifest.Component) SpawnOptions {
	overflow := map[string]Overflow{manifest.OverflowBlock: OverflowBlock, manifest.OverflowDrop: OverflowDrop, manifest.OverflowFail: OverflowFail}
	o := SpawnOptions{
		Name: c.Name, Group: c.Instances > 1,
		Mailbox: MailboxConfig{
			Capacity: c.Mailbox.Capacity, Overflow: overflow[c.Mailbox.Overflow], BlockTimeout: c.Mailbox.BlockTimeout,
		},
		Config: c.Config, Links: c.Links, Subscriptions: c.Subscriptions,
		MaxMessageSize: c.Limits.MaxMessageSize,
		Reentrant:      c.Reentrant, BatchYield: c.BatchYield,
	}
	if c.Priority != nil {
		o.Priority, o.PrioritySet = boundary.Priority(*c.Priority), true
	}
	return o
}

func (a *App) factory(ctx context.Context, c manifest.Component, opts AppOptions) (Factory, *Module, error) {
	if c.Kind == manifest.KindGo {
		f, ok := opts.Factories[c.Factory]
		if !ok {
			known := slices.Sorted(maps.Keys(opts.Factories))
			return nil, nil, fmt.Errorf("%w: no Go factory %q is registered (known: %s)", ErrNotFound, c.Factory, strings.Join(known, ", "))
		}
		return f, nil, nil
	}
	path, err := ModulePath(ctx, a.manifest, c, opts)
	if err != nil {
		return nil, nil, err
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	kind := KindWasm
	if c.Kind == manifest.KindWASICommand {
		kind = KindWASICommand
	}
	var mod *Module
	if c.Proxy != nil {
		// LoadProxy serves an unlisted operation from the export of its
		// name, as manifest.Proxy.Export does.
		mod, err = a.sys.LoadProxy(ctx, c.Name, bin, c.Proxy.Interface, c.Proxy.Exports)
	} else {
		mod, err = a.sys.LoadModule(ctx, c.Name, bin, kind)
	}
	if err != nil {
		return nil, nil, err
	}
	return mod.Factory(a.wasmOptions(c)), mod, nil
}

// wasmOptions are a Wasm component's options from its manifest entry.
func (a *App) wasmOptions(c manifest.Component) WasmOptions {
	wo := WasmOptions{MemoryLimitPages: c.Limits.MemoryPages, Deadline: c.Limits.Deadline, Args: c.Args}
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		wo.Env = append(wo.Env, [2]string{k, c.Env[k]})
	}
	for _, p := range c.Preopens {
		wo.Preopens = append(wo.Preopens, Preopen{Host: a.manifest.Resolve(p.Host), Guest: p.Guest, ReadOnly: p.ReadOnly})
	}
	return wo
}

// shareRegions makes the app's shared memory: one partition per instance
// of each guest that imports a shared memory, sized by what those guests
// declare (they must agree).
func (a *App) shareRegions(ctx context.Context, mods []*Module) error {
	var names []string
	var pages uint32
	instances := 0
	for i, c := range a.manifest.Components {
		names = append(names, c.Name)
		if mods[i] == nil || !mods[i].m.Shared() {
			continue
		}
		_, maxPages := mods[i].m.SharedPages()
		if pages != 0 && maxPages != pages {
			return fmt.Errorf("component %q imports a shared memory of %d pages, another sharing guest %d: link them with the same --max-memory", c.Name, maxPages, pages)
		}
		pages = maxPages
		instances += c.Instances
	}
	sm, err := a.sys.NewSharedMemory(ctx, SharedMemoryConfig{
		Regions: manifest.Decls(a.manifest.Regions), Components: names, Pages: pages, Instances: instances,
	})
	if err != nil {
		return err
	}
	a.shared = sm
	return nil
}

// SharedMemory is the app's shared memory (nil without regions).
func (a *App) SharedMemory() *SharedMemory { return a.shared }

// ModulePath returns the .wasm file of a Wasm component: its module, or
// its Go guest source built (or reused when unchanged) in the build cache.
func ModulePath(ctx context.Context, m *manifest.Manifest, c manifest.Component, opts AppOptions) (string, error) {
	if c.Module != "" {
		return m.Resolve(c.Module), nil
	}
	if c.Source == "" {
		return "", fmt.Errorf("%w: neither module nor source is set", ErrInvalid)
	}
	var cached bool
	path, err := gobuild.Build(ctx, m.Resolve(c.Source), gobuild.Options{
		CacheDir: opts.BuildCacheDir,
		Report:   func(r gobuild.Report) { cached = r.CacheHit },
	})
	if err != nil {
		return "", fmt.Errorf("build Go guest %s: %w", c.Source, err)
	}
	if opts.OnBuild != nil {
		opts.OnBuild(c.Name, path, cached)
	}
	return path, nil
}

// System is the app's system.
func (a *App) System() *System { return a.sys }

// Manifest is the manifest the app runs.
func (a *App) Manifest() *manifest.Manifest { return a.manifest }

// PIDs returns the PIDs the component's instances were spawned with.
func (a *App) PIDs(name string) []PID { return slices.Clone(a.pids[name]) }

// Wait blocks until a component asks for shutdown or ctx is done.
func (a *App) Wait(ctx context.Context) error {
	select {
	case <-a.sys.ShutdownRequested():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close shuts the app down (reverse start order) and releases the engine.
func (a *App) Close(ctx context.Context) error {
	if a == nil || a.sys == nil {
		return errors.New("app not started")
	}
	// Shut down once: after a root supervisor gave up, every Shutdown
	// returns the cause chain, and System.Close would shut down again.
	err := a.sys.Shutdown(ctx)
	if a.shared != nil {
		err = errors.Join(err, a.shared.Close(ctx))
	}
	return errors.Join(err, a.sys.eng.Close(ctx))
}
