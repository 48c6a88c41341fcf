//go:build wasip1

package iohub

// The guest exports of ABI v1. With -buildmode=c-shared Go also exports
// memory and _initialize (which runs the init functions, where handlers
// register).

//go:wasmexport hub_abi_version
func hubABIVersion() int32 { return ABIVersion }

//go:wasmexport hub_init
func hubInit(inputLen int32) int32 { return onInit(inputLen) }

//go:wasmexport hub_on_event
func hubOnEvent(inputLen int32) int32 { return onEvent(inputLen) }
