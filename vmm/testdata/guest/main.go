// Command guest is the program the vmm tests run inside the sandbox. Its
// first argument picks what it does; each mode prints what the test checks.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: guest MODE")
		os.Exit(64)
	}
	switch os.Args[1] {
	case "hello":
		fmt.Println("hello from the guest", os.Args[2:], os.Getenv("GUEST_VAR"))
		fmt.Fprintln(os.Stderr, "to stderr")
		os.Exit(7)
	case "echo":
		b := make([]byte, 1<<20)
		n, _ := os.Stdin.Read(b)
		os.Stdout.Write(b[:n])
	case "trivial":
		b := make([]byte, 4096)
		n, err := os.NewFile(3, "in").ReadAt(b, 0)
		fmt.Println("read", n, err == nil)
	case "madvise":
		b, err := syscall.Mmap(-1, 0, 1<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			fmt.Println("mmap:", err)
			os.Exit(1)
		}
		touch(b)
		err = syscall.Madvise(b[4096:8192], syscall.MADV_DONTNEED)
		fmt.Println("madvise", err, "zeroed", b[4096] == 0, "kept", b[0] == 1 && b[8192] == 1)
	case "getpid": // 2000 syscall exits, for BenchmarkSyscallExit
		for i := 0; i < 2000; i++ {
			syscall.Getpid()
		}
	case "files":
		files()
	case "alloc":
		alloc()
	case "goroutines":
		goroutines()
	case "sleep":
		t := time.Now()
		time.Sleep(20 * time.Millisecond)
		fmt.Println("slept", time.Since(t) >= 20*time.Millisecond)
	case "nil":
		var p *int
		fmt.Println(*p)
	case "loop":
		for {
		}
	case "hog":
		var keep [][]byte
		for {
			keep = append(keep, touch(make([]byte, 1<<20)))
		}
	case "spew":
		b := make([]byte, 4096)
		for {
			os.Stdout.Write(b)
		}
	case "overwrite":
		f := os.NewFile(3, "out")
		_, err := f.WriteAt(make([]byte, 8192), 0)
		fmt.Println("wrote", err)
	case "refused":
		refused()
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(64)
	}
}

// files reads fd 3 at offsets and writes what it read to fd 4 at offsets.
func files() {
	in, out := os.NewFile(3, "in"), os.NewFile(4, "out")
	st, err := in.Stat()
	if err != nil {
		fmt.Println("stat:", err)
		os.Exit(1)
	}
	b := make([]byte, 5)
	if _, err := in.ReadAt(b, st.Size()-5); err != nil {
		fmt.Println("readat:", err)
		os.Exit(1)
	}
	if _, err := out.WriteAt(b, 100); err != nil {
		fmt.Println("writeat:", err)
		os.Exit(1)
	}
	head := make([]byte, 3)
	if _, err := in.Read(head); err != nil {
		fmt.Println("read:", err)
		os.Exit(1)
	}
	if _, err := out.WriteAt(head, 0); err != nil {
		fmt.Println("writeat:", err)
		os.Exit(1)
	}
	_, werr := in.Write([]byte("x"))
	fmt.Printf("size=%d tail=%q head=%q write-to-read-only-fails=%v\n", st.Size(), b, head, werr != nil)
}

// alloc allocates 100 MiB in 1 MiB pieces, keeping little, so the GC runs.
func alloc() {
	var keep [][]byte
	total := 0
	for i := 0; i < 100; i++ {
		b := touch(make([]byte, 1<<20))
		total += len(b)
		if i%10 == 0 {
			keep = append(keep, b)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Println("allocated", total>>20, "MiB, kept", len(keep), "gcs>0", ms.NumGC > 0)
}

// touch writes every page of b, so that the memory is really used.
func touch(b []byte) []byte {
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return b
}

// goroutines runs many goroutines that talk over channels and a mutex.
func goroutines() {
	const n = 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	sum := 0
	ch := make(chan int)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			x := 0
			for j := 0; j < 20000; j++ {
				x += j % (i + 1)
			}
			ch <- i
			mu.Lock()
			sum += x % 7
			mu.Unlock()
		}(i)
	}
	got := 0
	for i := 0; i < n; i++ {
		got += <-ch
	}
	wg.Wait()
	fmt.Println("goroutines", n, "sum", got, "procs", runtime.GOMAXPROCS(0))
}

// refused tries what the sandbox must refuse and prints each errno.
func refused() {
	_, err := os.Open("/etc/passwd")
	report("open", err)
	_, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	report("socket", err)
	err = syscall.Exec("/bin/sh", []string{"sh"}, nil)
	report("execve", err)
	_, _, e := syscall.Syscall(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0)
	report("ptrace", errnoErr(e))
	err = syscall.Mount("none", "/mnt", "tmpfs", 0, "")
	report("mount", err)
	err = syscall.Kill(1, syscall.SIGKILL)
	report("kill", err)
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func report(what string, err error) {
	var en syscall.Errno
	if errors.As(err, &en) {
		fmt.Printf("%s %d\n", what, int(en))
		return
	}
	fmt.Printf("%s %v\n", what, err)
}
