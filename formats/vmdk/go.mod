module github.com/instar-go/instar/formats/vmdk

go 1.26.0

replace (
	github.com/instar-go/instar/cli => ../../cli
	github.com/instar-go/instar/create => ../../create
	github.com/instar-go/instar/formats/qcow2 => ../../formats/qcow2
	github.com/instar-go/instar/formats/vhd => ../../formats/vhd
	github.com/instar-go/instar/formats/vhdx => ../../formats/vhdx
	github.com/instar-go/instar/internal => ../../internal
	github.com/instar-go/instar/vmm => ../../vmm
)

require (
	github.com/google/go-cmp v0.7.0
	github.com/instar-go/instar/internal v0.0.0-00010101000000-000000000000
)
