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

// RegistryMember is an auto generated low-level Go binding around an user-defined struct.
type RegistryMember struct {
	Name         string
	Owner        common.Address
	ProofHash    [32]byte
	ProofChain   string
	SelfSigned   bool
	Status       uint8
	RegisteredAt uint64
}

// RegistryMetaData contains all meta data concerning the Registry contract.
var RegistryMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"what\",\"type\":\"string\"}],\"name\":\"BadArgument\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"MemberExists\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"NotAdmin\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"NotOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"OwnerTaken\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"UnknownMember\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"admin\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"enabled\",\"type\":\"bool\"}],\"name\":\"AdminChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"proofHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"selfSigned\",\"type\":\"bool\"}],\"name\":\"MemberAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"MemberRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"enumRegistry.Status\",\"name\":\"status\",\"type\":\"uint8\"}],\"name\":\"MemberStatusChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"}],\"name\":\"ProfileDeleted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"value\",\"type\":\"string\"}],\"name\":\"ProfileSet\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"proofHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"proofChain\",\"type\":\"string\"},{\"internalType\":\"bool\",\"name\":\"selfSigned\",\"type\":\"bool\"}],\"name\":\"addMember\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"}],\"name\":\"deleteProfile\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"getMember\",\"outputs\":[{\"components\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"proofHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"proofChain\",\"type\":\"string\"},{\"internalType\":\"bool\",\"name\":\"selfSigned\",\"type\":\"bool\"},{\"internalType\":\"enumRegistry.Status\",\"name\":\"status\",\"type\":\"uint8\"},{\"internalType\":\"uint64\",\"name\":\"registeredAt\",\"type\":\"uint64\"}],\"internalType\":\"structRegistry.Member\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"getProfile\",\"outputs\":[{\"internalType\":\"string[]\",\"name\":\"ks\",\"type\":\"string[]\"},{\"internalType\":\"string[]\",\"name\":\"vs\",\"type\":\"string[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"isAdmin\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"memberNames\",\"outputs\":[{\"internalType\":\"string[]\",\"name\":\"\",\"type\":\"string[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"memberOf\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"}],\"name\":\"profileValue\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"value\",\"type\":\"string\"},{\"internalType\":\"bool\",\"name\":\"found\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"removeMember\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"admin\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"enabled\",\"type\":\"bool\"}],\"name\":\"setAdmin\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"value\",\"type\":\"string\"}],\"name\":\"setProfile\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"enumRegistry.Status\",\"name\":\"status\",\"type\":\"uint8\"}],\"name\":\"setStatus\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "Registry",
	Bin: "0x6080604052348015600e575f5ffd5b50335f8181526020818152604091829020805460ff1916600190811790915591519182527f4526a942aaed9ea92b149506bb00ccf0f9267091de10444718cf9b09e05dc680910160405180910390a261211b8061006a5f395ff3fe608060405234801561000f575f5ffd5b50600436106100b1575f3560e01c8063526403141161006e57806352640314146101795780635ffb36741461018c5780636f224b271461019f578063deaab7a9146101b4578063e69a99e1146101c7578063f55365a1146101e8575f5ffd5b80630de98693146100b557806312e6e7b3146100df57806324d7806c146100ff5780632be397c3146101315780633b4c9891146101465780634b0bddd214610166575b5f5ffd5b6100c86100c33660046117a5565b6101fb565b6040516100d692919061186b565b60405180910390f35b6100f26100ed3660046117a5565b610495565b6040516100d691906118cc565b61012161010d36600461197b565b5f6020819052908152604090205460ff1681565b60405190151581526020016100d6565b61014461013f36600461199b565b6106e1565b005b61015961015436600461197b565b6108dc565b6040516100d69190611a05565b610144610174366004611a26565b6109c9565b610144610187366004611a57565b610a95565b61014461019a366004611af3565b610bd0565b6101a7610fb2565b6040516100d69190611b8b565b6101446101c2366004611b9d565b611086565b6101da6101d536600461199b565b6111df565b6040516100d6929190611bf2565b6101446101f63660046117a5565b611331565b6060805f848460405161020f929190611c15565b60405190819003902090505f5f82815260016020526040902060040154610100900460ff16600281111561024557610245611898565b0361027057848460405163f3de158560e01b8152600401610267929190611c4c565b60405180910390fd5b5f81815260056020908152604080832080548251818502810185019093528083529193909284015b82821015610340578382905f5260205f200180546102b590611c67565b80601f01602080910402602001604051908101604052809291908181526020018280546102e190611c67565b801561032c5780601f106103035761010080835404028352916020019161032c565b820191905f5260205f20905b81548152906001019060200180831161030f57829003601f168201915b505050505081526020019060010190610298565b50505050925082516001600160401b0381111561035f5761035f611c9f565b60405190808252806020026020018201604052801561039257816020015b606081526020019060019003908161037d5790505b5091505f5b835181101561048c5760075f8381526020019081526020015f205f8583815181106103c4576103c4611cb3565b60200260200101518051906020012081526020019081526020015f2080546103eb90611c67565b80601f016020809104026020016040519081016040528092919081815260200182805461041790611c67565b80156104625780601f1061043957610100808354040283529160200191610462565b820191905f5260205f20905b81548152906001019060200180831161044557829003601f168201915b505050505083828151811061047957610479611cb3565b6020908102919091010152600101610397565b50509250929050565b6040805160e08101825260608082525f60208301819052928201839052808201526080810182905260a0810182905260c08101919091525f60015f85856040516104e0929190611c15565b604051809103902081526020019081526020015f206040518060e00160405290815f8201805461050f90611c67565b80601f016020809104026020016040519081016040528092919081815260200182805461053b90611c67565b80156105865780601f1061055d57610100808354040283529160200191610586565b820191905f5260205f20905b81548152906001019060200180831161056957829003601f168201915b505050918352505060018201546001600160a01b03166020820152600282015460408201526003820180546060909201916105c090611c67565b80601f01602080910402602001604051908101604052809291908181526020018280546105ec90611c67565b80156106375780601f1061060e57610100808354040283529160200191610637565b820191905f5260205f20905b81548152906001019060200180831161061a57829003601f168201915b5050509183525050600482015460ff8082161515602084015260409092019161010090910416600281111561066e5761066e611898565b600281111561067f5761067f611898565b8152600491909101546201000090046001600160401b031660209091015290505f8160a0015160028111156106b6576106b6611898565b036106d857838360405163f3de158560e01b8152600401610267929190611c4c565b90505b92915050565b5f6106ec8585611633565b90505f83836040516106ff929190611c15565b60408051918290039091205f848152600660209081528382208383529052918220549092509081900361075b5760405163f5c94a5d60e01b81526020600482015260036024820152626b657960e81b6044820152606401610267565b5f838152600560205260408120805490919061077990600190611cdb565b905080610787600185611cdb565b146108335781818154811061079e5761079e611cb3565b905f5260205f2001826001856107b49190611cdb565b815481106107c4576107c4611cb3565b905f5260205f200190816107d89190611d58565b505f8581526006602052604081208491846107f4600185611cdb565b8154811061080457610804611cb3565b905f5260205f20016040516108199190611e2b565b604051809103902081526020019081526020015f20819055505b8180548061084357610843611e9c565b600190038181905f5260205f20015f61085c91906116d9565b90555f8581526006602090815260408083208784528252808320839055878352600782528083208784529091528120610894916116d9565b7f8a3600a5cb2d4095627a42bdce96da9aed0e3536c5edc1ca3aba7b66d5fd04eb898989896040516108c99493929190611eb0565b60405180910390a1505050505050505050565b6001600160a01b0381165f908152600260205260409020546060908061092d5760405163f5c94a5d60e01b815260206004820152600560248201526437bbb732b960d91b6044820152606401610267565b5f818152600160205260409020805461094590611c67565b80601f016020809104026020016040519081016040528092919081815260200182805461097190611c67565b80156109bc5780601f10610993576101008083540402835291602001916109bc565b820191905f5260205f20905b81548152906001019060200180831161099f57829003601f168201915b5050505050915050919050565b335f9081526020819052604090205460ff166109fa57604051630bd4212160e11b8152336004820152602401610267565b6001600160a01b038216610a395760405163f5c94a5d60e01b815260206004820152600560248201526430b236b4b760d91b6044820152606401610267565b6001600160a01b0382165f8181526020818152604091829020805460ff191685151590811790915591519182527f4526a942aaed9ea92b149506bb00ccf0f9267091de10444718cf9b09e05dc680910160405180910390a25050565b5f610aa08787611633565b90505f849003610ad95760405163f5c94a5d60e01b81526020600482015260036024820152626b657960e81b6044820152606401610267565b5f8585604051610aea929190611c15565b60408051918290039091205f848152600660209081528382208383529052918220549092509003610b61575f82815260056020908152604082208054600181018255908352912001610b3d868883611ee1565b505f8281526005602090815260408083205460068352818420858552909252909120555b5f8281526007602090815260408083208484529091529020610b84848683611ee1565b507f610d0a196de86164821f2339e65ea30a628921a9dd923280d61805c24daccca2888888888888604051610bbe96959493929190611f95565b60405180910390a15050505050505050565b335f9081526020819052604090205460ff16610c0157604051630bd4212160e11b8152336004820152602401610267565b851580610c0e5750604086115b15610c455760405163f5c94a5d60e01b8152600401610267906020808252600490820152636e616d6560e01b604082015260600190565b6001600160a01b038516610c845760405163f5c94a5d60e01b815260206004820152600560248201526437bbb732b960d91b6044820152606401610267565b83610cbe5760405163f5c94a5d60e01b81526020600482015260096024820152680e0e4dedecc90c2e6d60bb1b6044820152606401610267565b5f8787604051610ccf929190611c15565b60405190819003902090505f5f82815260016020526040902060040154610100900460ff166002811115610d0557610d05611898565b14610d2757878760405163170f30bb60e01b8152600401610267929190611c4c565b6001600160a01b0386165f9081526002602052604090205415610d6857604051631deeaa9160e01b81526001600160a01b0387166004820152602401610267565b6040518060e0016040528089898080601f0160208091040260200160405190810160405280939291908181526020018383808284375f920191909152505050908252506001600160a01b03881660208083019190915260408083018990528051601f88018390048302810183019091528681526060909201919087908790819084018382808284375f920191909152505050908252508315156020820152604001600181526001600160401b0343166020918201525f83815260019091526040902081518190610e389082611fdd565b5060208201516001820180546001600160a01b0319166001600160a01b039092169190911790556040820151600282015560608201516003820190610e7d9082611fdd565b50608082015160048201805491151560ff1983168117825560a08501519261ff001990911661ffff1990911617610100836002811115610ebf57610ebf611898565b021790555060c09190910151600490910180546001600160401b03909216620100000269ffffffffffffffff0000199092169190911790556001600160a01b0386165f9081526002602052604081208290556003805460018101825591527fc2575a0e9e593c00f959f8c92f12db2869c3395a3b0502d05e2516446f71f85b01610f4a888a83611ee1565b506003545f828152600460205260409081902091909155516001600160a01b038716907f094064ce8e8128cad30ef067480ee9666f22181f7e5fe0bd2c07df6176732f0690610fa0908b908b908a908890612083565b60405180910390a25050505050505050565b60606003805480602002602001604051908101604052809291908181526020015f905b8282101561107d578382905f5260205f20018054610ff290611c67565b80601f016020809104026020016040519081016040528092919081815260200182805461101e90611c67565b80156110695780601f1061104057610100808354040283529160200191611069565b820191905f5260205f20905b81548152906001019060200180831161104c57829003601f168201915b505050505081526020019060010190610fd5565b50505050905090565b335f9081526020819052604090205460ff166110b757604051630bd4212160e11b8152336004820152602401610267565b5f83836040516110c8929190611c15565b60405190819003902090505f5f82815260016020526040902060040154610100900460ff1660028111156110fe576110fe611898565b0361112057838360405163f3de158560e01b8152600401610267929190611c4c565b5f82600281111561113357611133611898565b0361116a5760405163f5c94a5d60e01b815260206004820152600660248201526573746174757360d01b6044820152606401610267565b5f818152600160205260409020600401805483919061ff00191661010083600281111561119957611199611898565b02179055507ff4922364ec1a965adc1e5becf6476ae2d216b33bc56118ff0fb0c8c6c4946a518484846040516111d1939291906120ae565b60405180910390a150505050565b60605f5f86866040516111f3929190611c15565b60405190819003902090505f5f82815260016020526040902060040154610100900460ff16600281111561122957611229611898565b0361124b57868660405163f3de158560e01b8152600401610267929190611c4c565b5f858560405161125c929190611c15565b60408051918290039091205f8481526007602090815283822083835281528382208683526006825284832084845290915292902054825491935015159082906112a490611c67565b80601f01602080910402602001604051908101604052809291908181526020018280546112d090611c67565b801561131b5780601f106112f25761010080835404028352916020019161131b565b820191905f5260205f20905b8154815290600101906020018083116112fe57829003601f168201915b5050505050915093509350505094509492505050565b335f9081526020819052604090205460ff1661136257604051630bd4212160e11b8152336004820152602401610267565b5f8282604051611373929190611c15565b60408051918290039091205f8181526001602052918220909250906004820154610100900460ff1660028111156113ac576113ac611898565b036113ce57838360405163f3de158560e01b8152600401610267929190611c4c565b60018101545f8381526005602052604081206001600160a01b0390921691905b815481101561146e575f82828154811061140a5761140a611cb3565b905f5260205f200160405161141f9190611e2b565b60408051918290039091205f88815260076020908152838220838352905291822090925061144c916116d9565b5f868152600660209081526040808320938352929052908120556001016113ee565b505f8481526005602052604081206114859161170f565b5f8481526004602052604081205461149f90600190611cdb565b6003549091505f906114b390600190611cdb565b905080821461154f57600381815481106114cf576114cf611cb3565b905f5260205f2001600383815481106114ea576114ea611cb3565b905f5260205f200190816114fe9190611d58565b5061150a8260016120d0565b60045f6003858154811061152057611520611cb3565b905f5260205f20016040516115359190611e2b565b604051809103902081526020019081526020015f20819055505b600380548061156057611560611e9c565b600190038181905f5260205f20015f61157991906116d9565b90555f8681526004602090815260408083208390556001600160a01b03871683526002825280832083905588835260019091528120906115b982826116d9565b6001820180546001600160a01b03191690555f600283018190556115e19060038401906116d9565b50600401805469ffffffffffffffffffff191690556040516001600160a01b038516907fdd403bcc860194e697bd48a94ad259a004827525ef954ad73b044e400f3adfe090610fa0908b908b90611c4c565b5f8282604051611644929190611c15565b60408051918290039091205f8181526001602052918220909250906004820154610100900460ff16600281111561167d5761167d611898565b0361169f57838360405163f3de158560e01b8152600401610267929190611c4c565b60018101546001600160a01b031633146116d257838333604051630b6fb5bd60e41b8152600401610267939291906120e3565b5092915050565b5080546116e590611c67565b5f825580601f106116f4575050565b601f0160209004905f5260205f209061170d9190611727565b565b5080545f8255905f5260205f209061170d9190611743565b5f5b8082111561173e575f81840155600101611729565b505050565b5f5b8082111561173e576117598184015f6116d9565b600101611745565b5f5f83601f840112611771575f5ffd5b5081356001600160401b03811115611787575f5ffd5b60208301915083602082850101111561179e575f5ffd5b9250929050565b5f5f602083850312156117b6575f5ffd5b82356001600160401b038111156117cb575f5ffd5b6117d785828601611761565b90969095509350505050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b5f82825180855260208501945060208160051b830101602085015f5b8381101561185f57601f198584030188526118498383516117e3565b602098890198909350919091019060010161182d565b50909695505050505050565b604081525f61187d6040830185611811565b828103602084015261188f8185611811565b95945050505050565b634e487b7160e01b5f52602160045260245ffd5b600381106118c857634e487b7160e01b5f52602160045260245ffd5b9052565b602081525f825160e060208401526118e86101008401826117e3565b905060018060a01b036020850151166040840152604084015160608401526060840151601f1984830301608085015261192182826117e3565b9150506080840151151560a084015260a084015161194260c08501826118ac565b506001600160401b0360c08501511660e08401528091505092915050565b80356001600160a01b0381168114611976575f5ffd5b919050565b5f6020828403121561198b575f5ffd5b61199482611960565b9392505050565b5f5f5f5f604085870312156119ae575f5ffd5b84356001600160401b038111156119c3575f5ffd5b6119cf87828801611761565b90955093505060208501356001600160401b038111156119ed575f5ffd5b6119f987828801611761565b95989497509550505050565b602081525f61199460208301846117e3565b80358015158114611976575f5ffd5b5f5f60408385031215611a37575f5ffd5b611a4083611960565b9150611a4e60208401611a17565b90509250929050565b5f5f5f5f5f5f60608789031215611a6c575f5ffd5b86356001600160401b03811115611a81575f5ffd5b611a8d89828a01611761565b90975095505060208701356001600160401b03811115611aab575f5ffd5b611ab789828a01611761565b90955093505060408701356001600160401b03811115611ad5575f5ffd5b611ae189828a01611761565b979a9699509497509295939492505050565b5f5f5f5f5f5f5f60a0888a031215611b09575f5ffd5b87356001600160401b03811115611b1e575f5ffd5b611b2a8a828b01611761565b9098509650611b3d905060208901611960565b94506040880135935060608801356001600160401b03811115611b5e575f5ffd5b611b6a8a828b01611761565b9094509250611b7d905060808901611a17565b905092959891949750929550565b602081525f6119946020830184611811565b5f5f5f60408486031215611baf575f5ffd5b83356001600160401b03811115611bc4575f5ffd5b611bd086828701611761565b909450925050602084013560038110611be7575f5ffd5b809150509250925092565b604081525f611c0460408301856117e3565b905082151560208301529392505050565b818382375f9101908152919050565b81835281816020850137505f828201602090810191909152601f909101601f19169091010190565b602081525f611c5f602083018486611c24565b949350505050565b600181811c90821680611c7b57607f821691505b602082108103611c9957634e487b7160e01b5f52602260045260245ffd5b50919050565b634e487b7160e01b5f52604160045260245ffd5b634e487b7160e01b5f52603260045260245ffd5b634e487b7160e01b5f52601160045260245ffd5b818103818111156106db576106db611cc7565b601f82111561173e578282111561173e57805f5260205f20601f840160051c6020851015611d1957505f5b90810190601f840160051c035f5b81811015611d3c575f83820155600101611d27565b505050505050565b5f19600383901b1c191660019190911b1790565b818103611d63575050565b611d6d8254611c67565b6001600160401b03811115611d8457611d84611c9f565b611d9881611d928454611c67565b84611cee565b5f601f821160018114611dc4575f8315611db25750848201545b611dbc8482611d44565b855550611e24565b5f8581526020808220868352908220601f198616925b83811015611dfa5782860154825560019586019590910190602001611dda565b5085831015611e1757818501545f19600388901b60f8161c191681555b50505060018360011b0184555b5050505050565b5f5f8354611e3881611c67565b600182168015611e4f5760018114611e6457611e91565b60ff1983168652811515820286019350611e91565b865f5260205f205f5b83811015611e8957815488820152600190910190602001611e6d565b505081860193505b509195945050505050565b634e487b7160e01b5f52603160045260245ffd5b604081525f611ec3604083018688611c24565b8281036020840152611ed6818587611c24565b979650505050505050565b6001600160401b03831115611ef857611ef8611c9f565b611f0c83611f068354611c67565b83611cee565b5f601f841160018114611f38575f8515611f265750838201355b611f308682611d44565b845550611e24565b5f83815260208120601f198716915b82811015611f675786850135825560209485019460019092019101611f47565b5086821015611f83575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b606081525f611fa860608301888a611c24565b8281036020840152611fbb818789611c24565b90508281036040840152611fd0818587611c24565b9998505050505050505050565b81516001600160401b03811115611ff657611ff6611c9f565b61200481611d928454611c67565b6020601f821160018114612028575f8315611db2575084820151611dbc8482611d44565b5f84815260208120601f198516915b828110156120575787850151825560209485019460019092019101612037565b508482101561207457868401515f19600387901b60f8161c191681555b50505050600190811b01905550565b606081525f612096606083018688611c24565b60208301949094525090151560409091015292915050565b604081525f6120c1604083018587611c24565b9050611c5f60208301846118ac565b808201808211156106db576106db611cc7565b604081525f6120f6604083018587611c24565b905060018060a01b038316602083015294935050505056fea164736f6c6343000825000a",
}

// Registry is an auto generated Go binding around an Ethereum contract.
type Registry struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *Registry) GetABI() abi.ABI {
	return c.abi
}

// NewRegistry creates a new instance of Registry.
func NewRegistry() *Registry {
	parsed, err := RegistryMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &Registry{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *Registry) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackAddMember is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5ffb3674.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addMember(string name, address owner, bytes32 proofHash, string proofChain, bool selfSigned) returns()
func (registry *Registry) PackAddMember(name string, owner common.Address, proofHash [32]byte, proofChain string, selfSigned bool) []byte {
	enc, err := registry.abi.Pack("addMember", name, owner, proofHash, proofChain, selfSigned)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddMember is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5ffb3674.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addMember(string name, address owner, bytes32 proofHash, string proofChain, bool selfSigned) returns()
func (registry *Registry) TryPackAddMember(name string, owner common.Address, proofHash [32]byte, proofChain string, selfSigned bool) ([]byte, error) {
	return registry.abi.Pack("addMember", name, owner, proofHash, proofChain, selfSigned)
}

// PackDeleteProfile is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2be397c3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function deleteProfile(string name, string key) returns()
func (registry *Registry) PackDeleteProfile(name string, key string) []byte {
	enc, err := registry.abi.Pack("deleteProfile", name, key)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDeleteProfile is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2be397c3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function deleteProfile(string name, string key) returns()
func (registry *Registry) TryPackDeleteProfile(name string, key string) ([]byte, error) {
	return registry.abi.Pack("deleteProfile", name, key)
}

// PackGetMember is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x12e6e7b3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getMember(string name) view returns((string,address,bytes32,string,bool,uint8,uint64))
func (registry *Registry) PackGetMember(name string) []byte {
	enc, err := registry.abi.Pack("getMember", name)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetMember is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x12e6e7b3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getMember(string name) view returns((string,address,bytes32,string,bool,uint8,uint64))
func (registry *Registry) TryPackGetMember(name string) ([]byte, error) {
	return registry.abi.Pack("getMember", name)
}

// UnpackGetMember is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x12e6e7b3.
//
// Solidity: function getMember(string name) view returns((string,address,bytes32,string,bool,uint8,uint64))
func (registry *Registry) UnpackGetMember(data []byte) (RegistryMember, error) {
	out, err := registry.abi.Unpack("getMember", data)
	if err != nil {
		return *new(RegistryMember), err
	}
	out0 := *abi.ConvertType(out[0], new(RegistryMember)).(*RegistryMember)
	return out0, nil
}

// PackGetProfile is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0de98693.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getProfile(string name) view returns(string[] ks, string[] vs)
func (registry *Registry) PackGetProfile(name string) []byte {
	enc, err := registry.abi.Pack("getProfile", name)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetProfile is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0de98693.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getProfile(string name) view returns(string[] ks, string[] vs)
func (registry *Registry) TryPackGetProfile(name string) ([]byte, error) {
	return registry.abi.Pack("getProfile", name)
}

// GetProfileOutput serves as a container for the return parameters of contract
// method GetProfile.
type GetProfileOutput struct {
	Ks []string
	Vs []string
}

// UnpackGetProfile is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x0de98693.
//
// Solidity: function getProfile(string name) view returns(string[] ks, string[] vs)
func (registry *Registry) UnpackGetProfile(data []byte) (GetProfileOutput, error) {
	out, err := registry.abi.Unpack("getProfile", data)
	outstruct := new(GetProfileOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Ks = *abi.ConvertType(out[0], new([]string)).(*[]string)
	outstruct.Vs = *abi.ConvertType(out[1], new([]string)).(*[]string)
	return *outstruct, nil
}

// PackIsAdmin is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x24d7806c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isAdmin(address ) view returns(bool)
func (registry *Registry) PackIsAdmin(arg0 common.Address) []byte {
	enc, err := registry.abi.Pack("isAdmin", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsAdmin is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x24d7806c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isAdmin(address ) view returns(bool)
func (registry *Registry) TryPackIsAdmin(arg0 common.Address) ([]byte, error) {
	return registry.abi.Pack("isAdmin", arg0)
}

// UnpackIsAdmin is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x24d7806c.
//
// Solidity: function isAdmin(address ) view returns(bool)
func (registry *Registry) UnpackIsAdmin(data []byte) (bool, error) {
	out, err := registry.abi.Unpack("isAdmin", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackMemberNames is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6f224b27.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function memberNames() view returns(string[])
func (registry *Registry) PackMemberNames() []byte {
	enc, err := registry.abi.Pack("memberNames")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMemberNames is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6f224b27.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function memberNames() view returns(string[])
func (registry *Registry) TryPackMemberNames() ([]byte, error) {
	return registry.abi.Pack("memberNames")
}

// UnpackMemberNames is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x6f224b27.
//
// Solidity: function memberNames() view returns(string[])
func (registry *Registry) UnpackMemberNames(data []byte) ([]string, error) {
	out, err := registry.abi.Unpack("memberNames", data)
	if err != nil {
		return *new([]string), err
	}
	out0 := *abi.ConvertType(out[0], new([]string)).(*[]string)
	return out0, nil
}

// PackMemberOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3b4c9891.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function memberOf(address owner) view returns(string)
func (registry *Registry) PackMemberOf(owner common.Address) []byte {
	enc, err := registry.abi.Pack("memberOf", owner)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMemberOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3b4c9891.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function memberOf(address owner) view returns(string)
func (registry *Registry) TryPackMemberOf(owner common.Address) ([]byte, error) {
	return registry.abi.Pack("memberOf", owner)
}

// UnpackMemberOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3b4c9891.
//
// Solidity: function memberOf(address owner) view returns(string)
func (registry *Registry) UnpackMemberOf(data []byte) (string, error) {
	out, err := registry.abi.Unpack("memberOf", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackProfileValue is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe69a99e1.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function profileValue(string name, string key) view returns(string value, bool found)
func (registry *Registry) PackProfileValue(name string, key string) []byte {
	enc, err := registry.abi.Pack("profileValue", name, key)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackProfileValue is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe69a99e1.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function profileValue(string name, string key) view returns(string value, bool found)
func (registry *Registry) TryPackProfileValue(name string, key string) ([]byte, error) {
	return registry.abi.Pack("profileValue", name, key)
}

// ProfileValueOutput serves as a container for the return parameters of contract
// method ProfileValue.
type ProfileValueOutput struct {
	Value string
	Found bool
}

// UnpackProfileValue is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe69a99e1.
//
// Solidity: function profileValue(string name, string key) view returns(string value, bool found)
func (registry *Registry) UnpackProfileValue(data []byte) (ProfileValueOutput, error) {
	out, err := registry.abi.Unpack("profileValue", data)
	outstruct := new(ProfileValueOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Value = *abi.ConvertType(out[0], new(string)).(*string)
	outstruct.Found = *abi.ConvertType(out[1], new(bool)).(*bool)
	return *outstruct, nil
}

// PackRemoveMember is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf55365a1.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function removeMember(string name) returns()
func (registry *Registry) PackRemoveMember(name string) []byte {
	enc, err := registry.abi.Pack("removeMember", name)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRemoveMember is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf55365a1.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function removeMember(string name) returns()
func (registry *Registry) TryPackRemoveMember(name string) ([]byte, error) {
	return registry.abi.Pack("removeMember", name)
}

// PackSetAdmin is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4b0bddd2.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setAdmin(address admin, bool enabled) returns()
func (registry *Registry) PackSetAdmin(admin common.Address, enabled bool) []byte {
	enc, err := registry.abi.Pack("setAdmin", admin, enabled)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetAdmin is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4b0bddd2.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setAdmin(address admin, bool enabled) returns()
func (registry *Registry) TryPackSetAdmin(admin common.Address, enabled bool) ([]byte, error) {
	return registry.abi.Pack("setAdmin", admin, enabled)
}

// PackSetProfile is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x52640314.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setProfile(string name, string key, string value) returns()
func (registry *Registry) PackSetProfile(name string, key string, value string) []byte {
	enc, err := registry.abi.Pack("setProfile", name, key, value)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetProfile is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x52640314.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setProfile(string name, string key, string value) returns()
func (registry *Registry) TryPackSetProfile(name string, key string, value string) ([]byte, error) {
	return registry.abi.Pack("setProfile", name, key, value)
}

// PackSetStatus is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdeaab7a9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setStatus(string name, uint8 status) returns()
func (registry *Registry) PackSetStatus(name string, status uint8) []byte {
	enc, err := registry.abi.Pack("setStatus", name, status)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetStatus is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdeaab7a9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setStatus(string name, uint8 status) returns()
func (registry *Registry) TryPackSetStatus(name string, status uint8) ([]byte, error) {
	return registry.abi.Pack("setStatus", name, status)
}

// RegistryAdminChanged represents a AdminChanged event raised by the Registry contract.
type RegistryAdminChanged struct {
	Admin   common.Address
	Enabled bool
	Raw     *types.Log // Blockchain specific contextual infos
}

const RegistryAdminChangedEventName = "AdminChanged"

// ContractEventName returns the user-defined event name.
func (RegistryAdminChanged) ContractEventName() string {
	return RegistryAdminChangedEventName
}

// UnpackAdminChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event AdminChanged(address indexed admin, bool enabled)
func (registry *Registry) UnpackAdminChangedEvent(log *types.Log) (*RegistryAdminChanged, error) {
	event := "AdminChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != registry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(RegistryAdminChanged)
	if len(log.Data) > 0 {
		if err := registry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range registry.abi.Events[event].Inputs {
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

// RegistryMemberAdded represents a MemberAdded event raised by the Registry contract.
type RegistryMemberAdded struct {
	Name       string
	Owner      common.Address
	ProofHash  [32]byte
	SelfSigned bool
	Raw        *types.Log // Blockchain specific contextual infos
}

const RegistryMemberAddedEventName = "MemberAdded"

// ContractEventName returns the user-defined event name.
func (RegistryMemberAdded) ContractEventName() string {
	return RegistryMemberAddedEventName
}

// UnpackMemberAddedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event MemberAdded(string name, address indexed owner, bytes32 proofHash, bool selfSigned)
func (registry *Registry) UnpackMemberAddedEvent(log *types.Log) (*RegistryMemberAdded, error) {
	event := "MemberAdded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != registry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(RegistryMemberAdded)
	if len(log.Data) > 0 {
		if err := registry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range registry.abi.Events[event].Inputs {
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

// RegistryMemberRemoved represents a MemberRemoved event raised by the Registry contract.
type RegistryMemberRemoved struct {
	Name  string
	Owner common.Address
	Raw   *types.Log // Blockchain specific contextual infos
}

const RegistryMemberRemovedEventName = "MemberRemoved"

// ContractEventName returns the user-defined event name.
func (RegistryMemberRemoved) ContractEventName() string {
	return RegistryMemberRemovedEventName
}

// UnpackMemberRemovedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event MemberRemoved(string name, address indexed owner)
func (registry *Registry) UnpackMemberRemovedEvent(log *types.Log) (*RegistryMemberRemoved, error) {
	event := "MemberRemoved"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != registry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(RegistryMemberRemoved)
	if len(log.Data) > 0 {
		if err := registry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range registry.abi.Events[event].Inputs {
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

// RegistryMemberStatusChanged represents a MemberStatusChanged event raised by the Registry contract.
type RegistryMemberStatusChanged struct {
	Name   string
	Status uint8
	Raw    *types.Log // Blockchain specific contextual infos
}

const RegistryMemberStatusChangedEventName = "MemberStatusChanged"

// ContractEventName returns the user-defined event name.
func (RegistryMemberStatusChanged) ContractEventName() string {
	return RegistryMemberStatusChangedEventName
}

// UnpackMemberStatusChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event MemberStatusChanged(string name, uint8 status)
func (registry *Registry) UnpackMemberStatusChangedEvent(log *types.Log) (*RegistryMemberStatusChanged, error) {
	event := "MemberStatusChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != registry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(RegistryMemberStatusChanged)
	if len(log.Data) > 0 {
		if err := registry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range registry.abi.Events[event].Inputs {
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

// RegistryProfileDeleted represents a ProfileDeleted event raised by the Registry contract.
type RegistryProfileDeleted struct {
	Name string
	Key  string
	Raw  *types.Log // Blockchain specific contextual infos
}

const RegistryProfileDeletedEventName = "ProfileDeleted"

// ContractEventName returns the user-defined event name.
func (RegistryProfileDeleted) ContractEventName() string {
	return RegistryProfileDeletedEventName
}

// UnpackProfileDeletedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ProfileDeleted(string name, string key)
func (registry *Registry) UnpackProfileDeletedEvent(log *types.Log) (*RegistryProfileDeleted, error) {
	event := "ProfileDeleted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != registry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(RegistryProfileDeleted)
	if len(log.Data) > 0 {
		if err := registry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range registry.abi.Events[event].Inputs {
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

// RegistryProfileSet represents a ProfileSet event raised by the Registry contract.
type RegistryProfileSet struct {
	Name  string
	Key   string
	Value string
	Raw   *types.Log // Blockchain specific contextual infos
}

const RegistryProfileSetEventName = "ProfileSet"

// ContractEventName returns the user-defined event name.
func (RegistryProfileSet) ContractEventName() string {
	return RegistryProfileSetEventName
}

// UnpackProfileSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ProfileSet(string name, string key, string value)
func (registry *Registry) UnpackProfileSetEvent(log *types.Log) (*RegistryProfileSet, error) {
	event := "ProfileSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != registry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(RegistryProfileSet)
	if len(log.Data) > 0 {
		if err := registry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range registry.abi.Events[event].Inputs {
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
func (registry *Registry) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], registry.abi.Errors["BadArgument"].ID.Bytes()[:4]) {
		return registry.UnpackBadArgumentError(raw[4:])
	}
	if bytes.Equal(raw[:4], registry.abi.Errors["MemberExists"].ID.Bytes()[:4]) {
		return registry.UnpackMemberExistsError(raw[4:])
	}
	if bytes.Equal(raw[:4], registry.abi.Errors["NotAdmin"].ID.Bytes()[:4]) {
		return registry.UnpackNotAdminError(raw[4:])
	}
	if bytes.Equal(raw[:4], registry.abi.Errors["NotOwner"].ID.Bytes()[:4]) {
		return registry.UnpackNotOwnerError(raw[4:])
	}
	if bytes.Equal(raw[:4], registry.abi.Errors["OwnerTaken"].ID.Bytes()[:4]) {
		return registry.UnpackOwnerTakenError(raw[4:])
	}
	if bytes.Equal(raw[:4], registry.abi.Errors["UnknownMember"].ID.Bytes()[:4]) {
		return registry.UnpackUnknownMemberError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// RegistryBadArgument represents a BadArgument error raised by the Registry contract.
type RegistryBadArgument struct {
	What string
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadArgument(string what)
func RegistryBadArgumentErrorID() common.Hash {
	return common.HexToHash("0xf5c94a5d6c406c22da4d052cef0b1c5ac32009f0cbc574a67a42385a0ce35af5")
}

// UnpackBadArgumentError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadArgument(string what)
func (registry *Registry) UnpackBadArgumentError(raw []byte) (*RegistryBadArgument, error) {
	out := new(RegistryBadArgument)
	if err := registry.abi.UnpackIntoInterface(out, "BadArgument", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// RegistryMemberExists represents a MemberExists error raised by the Registry contract.
type RegistryMemberExists struct {
	Name string
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error MemberExists(string name)
func RegistryMemberExistsErrorID() common.Hash {
	return common.HexToHash("0x170f30bb1354a990d974155c3aacb9662df12f78c5981ad2d15d2d02ad4d1079")
}

// UnpackMemberExistsError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error MemberExists(string name)
func (registry *Registry) UnpackMemberExistsError(raw []byte) (*RegistryMemberExists, error) {
	out := new(RegistryMemberExists)
	if err := registry.abi.UnpackIntoInterface(out, "MemberExists", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// RegistryNotAdmin represents a NotAdmin error raised by the Registry contract.
type RegistryNotAdmin struct {
	Sender common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotAdmin(address sender)
func RegistryNotAdminErrorID() common.Hash {
	return common.HexToHash("0x17a8424239494df835a470bd5e48f10a94b5febfef662a1917fe31decebbedeb")
}

// UnpackNotAdminError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotAdmin(address sender)
func (registry *Registry) UnpackNotAdminError(raw []byte) (*RegistryNotAdmin, error) {
	out := new(RegistryNotAdmin)
	if err := registry.abi.UnpackIntoInterface(out, "NotAdmin", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// RegistryNotOwner represents a NotOwner error raised by the Registry contract.
type RegistryNotOwner struct {
	Name   string
	Sender common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotOwner(string name, address sender)
func RegistryNotOwnerErrorID() common.Hash {
	return common.HexToHash("0xb6fb5bd053275e600b37abfab091275e4e3667e3d6f07aee59590678bba06158")
}

// UnpackNotOwnerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotOwner(string name, address sender)
func (registry *Registry) UnpackNotOwnerError(raw []byte) (*RegistryNotOwner, error) {
	out := new(RegistryNotOwner)
	if err := registry.abi.UnpackIntoInterface(out, "NotOwner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// RegistryOwnerTaken represents a OwnerTaken error raised by the Registry contract.
type RegistryOwnerTaken struct {
	Owner common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnerTaken(address owner)
func RegistryOwnerTakenErrorID() common.Hash {
	return common.HexToHash("0x1deeaa91badbd29a61b77a7c4fcbef900923f2c5add9a0cc0dd3c927ef3ce983")
}

// UnpackOwnerTakenError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnerTaken(address owner)
func (registry *Registry) UnpackOwnerTakenError(raw []byte) (*RegistryOwnerTaken, error) {
	out := new(RegistryOwnerTaken)
	if err := registry.abi.UnpackIntoInterface(out, "OwnerTaken", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// RegistryUnknownMember represents a UnknownMember error raised by the Registry contract.
type RegistryUnknownMember struct {
	Name string
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownMember(string name)
func RegistryUnknownMemberErrorID() common.Hash {
	return common.HexToHash("0xf3de1585be19e6f1f6499191c20660693fb52c9c958976054270247998e304d1")
}

// UnpackUnknownMemberError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownMember(string name)
func (registry *Registry) UnpackUnknownMemberError(raw []byte) (*RegistryUnknownMember, error) {
	out := new(RegistryUnknownMember)
	if err := registry.abi.UnpackIntoInterface(out, "UnknownMember", raw); err != nil {
		return nil, err
	}
	return out, nil
}
