module github.com/instar-go/instar/cli

go 1.26.0

replace (
	github.com/instar-go/instar/create => ../create
	github.com/instar-go/instar/formats/qcow2 => ../formats/qcow2
	github.com/instar-go/instar/formats/vhd => ../formats/vhd
	github.com/instar-go/instar/formats/vhdx => ../formats/vhdx
	github.com/instar-go/instar/formats/vmdk => ../formats/vmdk
	github.com/instar-go/instar/internal => ../internal
	github.com/instar-go/instar/vmm => ../vmm
)

require (
	github.com/google/go-cmp v0.7.0
	github.com/instar-go/instar/create v0.0.0-00010101000000-000000000000
	github.com/instar-go/instar/internal v0.0.0-00010101000000-000000000000
	github.com/instar-go/instar/vmm v0.0.0-00010101000000-000000000000
	golang.org/x/sys v0.50.0
)

require (
	github.com/hashicorp/errwrap v1.0.0 // indirect
	github.com/hashicorp/go-multierror v1.1.1 // indirect
	github.com/instar-go/instar/formats/qcow2 v0.0.0-00010101000000-000000000000 // indirect
	github.com/instar-go/instar/formats/vhd v0.0.0-00010101000000-000000000000 // indirect
	github.com/instar-go/instar/formats/vhdx v0.0.0-00010101000000-000000000000 // indirect
	github.com/instar-go/instar/formats/vmdk v0.0.0-00010101000000-000000000000 // indirect
)
