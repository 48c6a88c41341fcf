package plugin

import "github.com/tetratelabs/wazero/api"

// ABIVersion is the hub_abi_version of ABI v1 guests; ABIVersion11
// (binary.go) is the other value this host accepts.
const ABIVersion = 1

// hostModule is the import module name of ABI v1.
const hostModule = "hub"

// Statuses hub_on_event and hub_init return.
const (
	statusOK     = 0
	statusError  = 1
	statusReject = 2
)

// Negative return codes of host calls (sdk/ABI.md section 3).
const (
	codeNotFound    = -1
	codeInvalid     = -2
	codeDenied      = -3
	codeLimit       = -4
	codeState       = -5
	codeUnavailable = -6
)

// Limits of one event (sdk/ABI.md section 6).
const (
	maxEffects      = 256
	maxEffectBytes  = 1 << 20
	maxErrorMessage = 1 << 10
	maxKVKey        = 512
	maxKVValue      = 64 << 10
	maxRandom       = 64 << 10
)

// Log levels of the log import.
const (
	levelDebug = 0
	levelInfo  = 1
	levelWarn  = 2
	levelError = 3
)

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// signature is a host import's parameter and result types.
type signature struct {
	params, results []api.ValueType
}

// imports lists every host function of ABI v1 with its exact signature. The
// host module is built from it and guests are checked against it at load.
var imports = map[string]signature{
	"input_read": {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
	"set_error":  {[]api.ValueType{i32, i32}, nil},
	"log":        {[]api.ValueType{i32, i32, i32}, nil},
	"reply":      {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
	"emit":       {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
	"raw":        {[]api.ValueType{i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
	"send":       {[]api.ValueType{i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
	"join":       {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
	"leave":      {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
	"disconnect": {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
	"kv_get":     {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
	"kv_set":     {[]api.ValueType{i32, i32, i32, i32, i64}, []api.ValueType{i32}},
	"kv_delete":  {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
	"kv_add":     {[]api.ValueType{i32, i32, i64, i64, i32}, []api.ValueType{i32}},
	"now_ms":     {nil, []api.ValueType{i64}},
	"random":     {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
	// ABI v1.1 (sdk/ABI.md section 8)
	"binary_read":   {[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}},
	"binary_attach": {[]api.ValueType{i32, i32}, []api.ValueType{i32}},
}

// exports lists the guest exports the host calls, with their signatures, and
// whether they are required.
var exports = []struct {
	name     string
	sig      signature
	required bool
}{
	{"hub_abi_version", signature{nil, []api.ValueType{i32}}, true},
	{"hub_on_event", signature{[]api.ValueType{i32}, []api.ValueType{i32}}, true},
	{"hub_init", signature{[]api.ValueType{i32}, []api.ValueType{i32}}, false},
	{"_initialize", signature{nil, nil}, false},
}
