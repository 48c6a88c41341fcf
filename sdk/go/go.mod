module github.com/iohub/iohub/sdk/go

go 1.24
