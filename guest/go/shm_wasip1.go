//go:build wasip1

package guest

func sysShmCopy(op, region string, off uint32, buf []byte) (int, error) {
	np, nl := strPtr(region)
	bp, bl := bytesPtr(buf)
	var st int32
	if op == "shm_write" {
		st = hostShmWrite(np, nl, off, bp, bl)
	} else {
		st = hostShmRead(np, nl, off, bp, bl)
	}
	if st != 0 {
		return 0, statusErr(op, st)
	}
	return len(buf), nil
}

// sysRing returns the host's count of entries moved, or its status.
func sysRing(op, region string, buf []byte, timeoutMS int32) (int, error) {
	np, nl := strPtr(region)
	bp, bl := bytesPtr(buf)
	var st int32
	if op == "ring_push" {
		st = hostRingPush(np, nl, bp, bl, timeoutMS)
	} else {
		st = hostRingPop(np, nl, bp, bl, timeoutMS)
	}
	if st < 0 {
		return 0, statusErr(op, st)
	}
	return int(st), nil
}

func sysTBPublish(region string, frame []byte) (uint64, error) {
	np, nl := strPtr(region)
	fp, fl := bytesPtr(frame)
	g := hostTBPublish(np, nl, fp, fl)
	if g < 0 {
		return 0, statusErr("tb_publish", int32(g))
	}
	return uint64(g), nil
}

func sysTBAcquire(region string, dst []byte) (int, uint64, error) {
	var gen uint64
	np, nl := strPtr(region)
	dp, dl := bytesPtr(dst)
	st := hostTBAcquire(np, nl, dp, dl, unsafePtr64(&gen))
	if st < 0 {
		return 0, gen, statusErr("tb_acquire", st)
	}
	return int(st), gen, nil
}
