// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package contracts

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// PinRecord is an auto generated low-level Go binding around an user-defined struct.
type PinRecord struct {
	By          common.Address
	BlockNumber *big.Int
	Timestamp   *big.Int
}

// PinMetaData contains all meta data concerning the Pin contract.
var PinMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"name\":\"EmptyBatch\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"hash\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"by\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"timestamp\",\"type\":\"uint64\"}],\"name\":\"Pinned\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"hash\",\"type\":\"bytes32\"}],\"name\":\"pin\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32[]\",\"name\":\"hashes\",\"type\":\"bytes32[]\"}],\"name\":\"pinBatch\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"hash\",\"type\":\"bytes32\"}],\"name\":\"pinned\",\"outputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"by\",\"type\":\"address\"},{\"internalType\":\"uint48\",\"name\":\"blockNumber\",\"type\":\"uint48\"},{\"internalType\":\"uint48\",\"name\":\"timestamp\",\"type\":\"uint48\"}],\"internalType\":\"structPin.Record\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "Pin",
	Bin: "0x6080604052348015600e575f5ffd5b506103148061001c5f395ff3fe608060405234801561000f575f5ffd5b506004361061003f575f3560e01c8063adb4f57f14610043578063ae5332c8146100f1578063d3930f8514610106575b5f5ffd5b6100b261005136600461026b565b60408051606080820183525f80835260208084018290529284018190529384528382529282902082519384018352546001600160a01b038116845265ffffffffffff600160a01b8204811692850192909252600160d01b9004169082015290565b6040805182516001600160a01b0316815260208084015165ffffffffffff90811691830191909152928201519092169082015260600160405180910390f35b6101046100ff366004610282565b610119565b005b61010461011436600461026b565b610172565b5f81900361013a5760405163c2e5347d60e01b815260040160405180910390fd5b5f5b8181101561016d57610165838383818110610159576101596102f3565b9050602002013561017e565b60010161013c565b505050565b61017b8161017e565b50565b5f81815260208190526040902054600160a01b900465ffffffffffff16156101a35750565b604080516060810182523380825265ffffffffffff4381166020808501918252428084168688019081525f898152928390529187902095518654935192518516600160d01b026001600160d01b0393909516600160a01b026001600160d01b03199094166001600160a01b039190911617929092171691909117909255915183917f7c83880bb9ff9ffdab19dc39b29f9ec87e106cae5ddc345257ab2edaa429b93e91610260919067ffffffffffffffff91909116815260200190565b60405180910390a350565b5f6020828403121561027b575f5ffd5b5035919050565b5f5f60208385031215610293575f5ffd5b823567ffffffffffffffff8111156102a9575f5ffd5b8301601f810185136102b9575f5ffd5b803567ffffffffffffffff8111156102cf575f5ffd5b8560208260051b84010111156102e3575f5ffd5b6020919091019590945092505050565b634e487b7160e01b5f52603260045260245ffdfea164736f6c6343000825000a",
}

// Pin is an auto generated Go binding around an Ethereum contract.
type Pin struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *Pin) GetABI() abi.ABI {
	return c.abi
}

// NewPin creates a new instance of Pin.
func NewPin() *Pin {
	parsed, err := PinMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &Pin{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *Pin) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackPin is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd3930f85.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function pin(bytes32 hash) returns()
func (pin *Pin) PackPin(hash [32]byte) []byte {
	enc, err := pin.abi.Pack("pin", hash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPin is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd3930f85.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function pin(bytes32 hash) returns()
func (pin *Pin) TryPackPin(hash [32]byte) ([]byte, error) {
	return pin.abi.Pack("pin", hash)
}

// PackPinBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xae5332c8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function pinBatch(bytes32[] hashes) returns()
func (pin *Pin) PackPinBatch(hashes [][32]byte) []byte {
	enc, err := pin.abi.Pack("pinBatch", hashes)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPinBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xae5332c8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function pinBatch(bytes32[] hashes) returns()
func (pin *Pin) TryPackPinBatch(hashes [][32]byte) ([]byte, error) {
	return pin.abi.Pack("pinBatch", hashes)
}

// PackPinned is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xadb4f57f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function pinned(bytes32 hash) view returns((address,uint48,uint48))
func (pin *Pin) PackPinned(hash [32]byte) []byte {
	enc, err := pin.abi.Pack("pinned", hash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPinned is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xadb4f57f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function pinned(bytes32 hash) view returns((address,uint48,uint48))
func (pin *Pin) TryPackPinned(hash [32]byte) ([]byte, error) {
	return pin.abi.Pack("pinned", hash)
}

// UnpackPinned is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xadb4f57f.
//
// Solidity: function pinned(bytes32 hash) view returns((address,uint48,uint48))
func (pin *Pin) UnpackPinned(data []byte) (PinRecord, error) {
	out, err := pin.abi.Unpack("pinned", data)
	if err != nil {
		return *new(PinRecord), err
	}
	out0 := *abi.ConvertType(out[0], new(PinRecord)).(*PinRecord)
	return out0, nil
}

// PinPinned represents a Pinned event raised by the Pin contract.
type PinPinned struct {
	Hash      [32]byte
	By        common.Address
	Timestamp uint64
	Raw       *types.Log // Blockchain specific contextual infos
}

const PinPinnedEventName = "Pinned"

// ContractEventName returns the user-defined event name.
func (PinPinned) ContractEventName() string {
	return PinPinnedEventName
}

// UnpackPinnedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Pinned(bytes32 indexed hash, address indexed by, uint64 timestamp)
func (pin *Pin) UnpackPinnedEvent(log *types.Log) (*PinPinned, error) {
	event := "Pinned"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != pin.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PinPinned)
	if len(log.Data) > 0 {
		if err := pin.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range pin.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (pin *Pin) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], pin.abi.Errors["EmptyBatch"].ID.Bytes()[:4]) {
		return pin.UnpackEmptyBatchError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// PinEmptyBatch represents a EmptyBatch error raised by the Pin contract.
type PinEmptyBatch struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error EmptyBatch()
func PinEmptyBatchErrorID() common.Hash {
	return common.HexToHash("0xc2e5347df6cf8d1bf68f8a9651642312bd381b900d857d97cd665976180d6ae0")
}

// UnpackEmptyBatchError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error EmptyBatch()
func (pin *Pin) UnpackEmptyBatchError(raw []byte) (*PinEmptyBatch, error) {
	out := new(PinEmptyBatch)
	if err := pin.abi.UnpackIntoInterface(out, "EmptyBatch", raw); err != nil {
		return nil, err
	}
	return out, nil
}
