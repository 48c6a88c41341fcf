module example/sdkbin

go 1.24

require github.com/iohub/iohub/sdk/go v0.0.0

replace github.com/iohub/iohub/sdk/go => ../../../../../sdk/go
