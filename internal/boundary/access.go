package boundary

// Limits are the bounds the registry encodes and decodes with.
func (r *Registry) Limits() Limits { return r.lim }

// SetDefaultPolicy changes the policy of pairs without their own.
func (t *Tiers) SetDefaultPolicy(p TierPolicy) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.def = p.norm()
}
