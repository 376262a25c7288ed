package info

import "sort"

// qemu-img builds its output as a QObject tree (QDict, QList, QString,
// QNum, QBool) and prints it. The tree here mirrors that, so the JSON and
// the human "Format specific information" block come from one description.
//
// A QDict (qobject/qdict.c) prints its entries in hash-table order, not
// insertion order: buckets ascending, and within a bucket the most recently
// inserted key first. Reproducing that order is what makes the key order
// match qemu-img's.

// value is one node of the output tree.
type value interface {
	// writeJSON appends the node as qemu's pretty JSON writer does.
	writeJSON(b *buffer, indent int)
	// dump appends the node as qemu's human dump (block/qapi.c dump_qobject).
	dump(b *buffer, indent int)
	// composite is true for dicts and lists, which dump on their own lines.
	composite() bool
}

type (
	qstring string
	qint    int64
	qbool   bool
	qlist   []value
)

// qdictBuckets is QDICT_BUCKET_MAX.
const qdictBuckets = 512

// qdictHash is the tdb hash qemu's QDict uses to pick a key's bucket.
func qdictHash(key string) uint32 {
	v := 0x238F13AF * uint32(len(key))
	for i := 0; i < len(key); i++ {
		v += uint32(key[i]) << (uint(i) * 5 % 24)
	}
	return (1103515243*v + 12345) % qdictBuckets
}

// qdict is a QDict under construction. Keys are put in the order qemu's
// QAPI visitor puts them (the schema's field order), which decides the order
// inside a bucket.
type qdict struct {
	keys []string
	vals []value
}

// put adds a key. Keys are distinct by construction in this package.
func (d *qdict) put(key string, v value) {
	d.keys = append(d.keys, key)
	d.vals = append(d.vals, v)
}

// ordered returns the entry indexes in the order qemu iterates them.
func (d *qdict) ordered() []int {
	idx := make([]int, len(d.keys))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		ha, hb := qdictHash(d.keys[idx[a]]), qdictHash(d.keys[idx[b]])
		if ha != hb {
			return ha < hb
		}
		return idx[a] > idx[b] // QLIST_INSERT_HEAD: newest first
	})
	return idx
}

func (qstring) composite() bool { return false }
func (qint) composite() bool    { return false }
func (qbool) composite() bool   { return false }
func (*qdict) composite() bool  { return true }
func (qlist) composite() bool   { return true }
