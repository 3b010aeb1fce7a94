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
	BlockNumber uint64
	Timestamp   uint64
}

// PinMetaData contains all meta data concerning the Pin contract.
var PinMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"name\":\"EmptyBatch\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"hash\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"by\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"timestamp\",\"type\":\"uint64\"}],\"name\":\"Pinned\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"hash\",\"type\":\"bytes32\"}],\"name\":\"pin\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32[]\",\"name\":\"hashes\",\"type\":\"bytes32[]\"}],\"name\":\"pinBatch\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"hash\",\"type\":\"bytes32\"}],\"name\":\"pinned\",\"outputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"by\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"blockNumber\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"timestamp\",\"type\":\"uint64\"}],\"internalType\":\"structPin.Record\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "Pin",
	Bin: "0x6080604052348015600e575f5ffd5b506103098061001c5f395ff3fe608060405234801561000f575f5ffd5b506004361061003f575f3560e01c8063adb4f57f14610043578063ae5332c8146100f4578063d3930f8514610109575b5f5ffd5b6100b3610051366004610260565b60408051606080820183525f8083526020808401829052928401819052938452838252928290208251938401835280546001600160a01b0381168552600160a01b900467ffffffffffffffff9081169285019290925260010154169082015290565b6040805182516001600160a01b0316815260208084015167ffffffffffffffff90811691830191909152928201519092169082015260600160405180910390f35b610107610102366004610277565b61011c565b005b610107610117366004610260565b610175565b5f81900361013d5760405163c2e5347d60e01b815260040160405180910390fd5b5f5b818110156101705761016883838381811061015c5761015c6102e8565b90506020020135610181565b60010161013f565b505050565b61017e81610181565b50565b5f81815260208190526040902054600160a01b900467ffffffffffffffff16156101a85750565b604080516060810182523380825267ffffffffffffffff43811660208085019182524283168587018181525f8981528084528890209651875494518616600160a01b026001600160e01b03199095166001600160a01b03909116179390931786559151600190950180549590931667ffffffffffffffff199095169490941790915592519283529183917f7c83880bb9ff9ffdab19dc39b29f9ec87e106cae5ddc345257ab2edaa429b93e910160405180910390a350565b5f60208284031215610270575f5ffd5b5035919050565b5f5f60208385031215610288575f5ffd5b823567ffffffffffffffff81111561029e575f5ffd5b8301601f810185136102ae575f5ffd5b803567ffffffffffffffff8111156102c4575f5ffd5b8560208260051b84010111156102d8575f5ffd5b6020919091019590945092505050565b634e487b7160e01b5f52603260045260245ffdfea164736f6c6343000825000a",
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
// Solidity: function pinned(bytes32 hash) view returns((address,uint64,uint64))
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
// Solidity: function pinned(bytes32 hash) view returns((address,uint64,uint64))
func (pin *Pin) TryPackPinned(hash [32]byte) ([]byte, error) {
	return pin.abi.Pack("pinned", hash)
}

// UnpackPinned is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xadb4f57f.
//
// Solidity: function pinned(bytes32 hash) view returns((address,uint64,uint64))
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
