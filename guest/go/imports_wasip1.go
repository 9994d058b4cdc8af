//go:build wasip1

package guest

import "unsafe"

// Host imports, module "wasmplane", as in docs/abi.md. unsafe.Pointer and
// uint32 both lower to i32, uint64 to i64.

//go:wasmimport wasmplane send
func hostSend(to uint64, kindPtr unsafe.Pointer, kindLen uint32, dataPtr unsafe.Pointer, dataLen uint32) int32

//go:wasmimport wasmplane request
func hostRequest(to uint64, kindPtr unsafe.Pointer, kindLen uint32, dataPtr unsafe.Pointer, dataLen uint32, timeoutMS int32, outPtr unsafe.Pointer, outCap uint32, outLenPtr unsafe.Pointer) int32

//go:wasmimport wasmplane reply_take
func hostReplyTake(outPtr unsafe.Pointer, outCap uint32, outLenPtr unsafe.Pointer) int32

//go:wasmimport wasmplane reply
func hostReply(corr uint64, dataPtr unsafe.Pointer, dataLen uint32) int32

//go:wasmimport wasmplane publish
func hostPublish(topicPtr unsafe.Pointer, topicLen uint32, dataPtr unsafe.Pointer, dataLen uint32) int32

//go:wasmimport wasmplane subscribe
func hostSubscribe(topicPtr unsafe.Pointer, topicLen uint32) int32

//go:wasmimport wasmplane unsubscribe
func hostUnsubscribe(topicPtr unsafe.Pointer, topicLen uint32) int32

//go:wasmimport wasmplane log
func hostLog(level int32, msgPtr unsafe.Pointer, msgLen uint32) int32

//go:wasmimport wasmplane self
func hostSelf() uint64

//go:wasmimport wasmplane lookup
func hostLookup(namePtr unsafe.Pointer, nameLen uint32, outPIDPtr unsafe.Pointer) int32

//go:wasmimport wasmplane now
func hostNow() uint64

//go:wasmimport wasmplane call
func hostCall(to uint64, opPtr unsafe.Pointer, opLen uint32, argsPtr unsafe.Pointer, argsLen uint32, timeoutMS int32, outPtr unsafe.Pointer, outCap uint32, outLenPtr unsafe.Pointer) int32

//go:wasmimport wasmplane progress
func hostProgress() int32

// Shared-region imports, module "wasmplane" (docs/abi.md, "Shared
// regions"). The linker keeps only those a guest calls, so a guest that
// uses none still loads on a host without them.

//go:wasmimport wasmplane shm_read
func hostShmRead(namePtr unsafe.Pointer, nameLen, off uint32, dstPtr unsafe.Pointer, n uint32) int32

//go:wasmimport wasmplane shm_write
func hostShmWrite(namePtr unsafe.Pointer, nameLen, off uint32, srcPtr unsafe.Pointer, n uint32) int32

//go:wasmimport wasmplane ring_push
func hostRingPush(namePtr unsafe.Pointer, nameLen uint32, srcPtr unsafe.Pointer, n uint32, timeoutMS int32) int32

//go:wasmimport wasmplane ring_pop
func hostRingPop(namePtr unsafe.Pointer, nameLen uint32, dstPtr unsafe.Pointer, capacity uint32, timeoutMS int32) int32

//go:wasmimport wasmplane tb_publish
func hostTBPublish(namePtr unsafe.Pointer, nameLen uint32, srcPtr unsafe.Pointer, n uint32) int64

//go:wasmimport wasmplane tb_acquire
func hostTBAcquire(namePtr unsafe.Pointer, nameLen uint32, dstPtr unsafe.Pointer, capacity uint32, genPtr unsafe.Pointer) int32
