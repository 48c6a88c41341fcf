package metrics

// Config reload outcomes, the values of iohub_config_reloads_total's label.
const (
	ConfigReloadOK      = "ok"      // the new config is in force
	ConfigReloadRefused = "refused" // invalid: the old one stays
)

var configReloadOutcomes = []string{ConfigReloadOK, ConfigReloadRefused}

func (m *Metrics) registerConfig() {
	m.configReloads = m.counter("config_reloads_total",
		"Whole-config reloads (SIGHUP, POST /hub/reload) by outcome: ok (applied), refused (invalid; nothing changed).",
		"outcome", configReloadOutcomes...)
}

// ConfigReloaded counts one config reload.
func (m *Metrics) ConfigReloaded(outcome string) {
	if m != nil {
		m.configReloads.WithLabelValues(oneOf(outcome, configReloadOutcomes)).Inc()
	}
}
