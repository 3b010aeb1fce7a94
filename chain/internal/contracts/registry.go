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
	SelfSigned   bool
	Status       uint8
	RegisteredAt uint64
}

// RegistryMetaData contains all meta data concerning the Registry contract.
var RegistryMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"what\",\"type\":\"string\"}],\"name\":\"BadArgument\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"MemberExists\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"NotAdmin\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"NotOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"OwnerTaken\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"UnknownMember\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"admin\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"enabled\",\"type\":\"bool\"}],\"name\":\"AdminChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"proofHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"selfSigned\",\"type\":\"bool\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"proofChain\",\"type\":\"string\"}],\"name\":\"MemberAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"MemberRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"enumRegistry.Status\",\"name\":\"status\",\"type\":\"uint8\"}],\"name\":\"MemberStatusChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"}],\"name\":\"ProfileDeleted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"value\",\"type\":\"string\"}],\"name\":\"ProfileSet\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"proofHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"proofChain\",\"type\":\"string\"},{\"internalType\":\"bool\",\"name\":\"selfSigned\",\"type\":\"bool\"}],\"name\":\"addMember\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"}],\"name\":\"deleteProfile\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"getMember\",\"outputs\":[{\"components\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"proofHash\",\"type\":\"bytes32\"},{\"internalType\":\"bool\",\"name\":\"selfSigned\",\"type\":\"bool\"},{\"internalType\":\"enumRegistry.Status\",\"name\":\"status\",\"type\":\"uint8\"},{\"internalType\":\"uint64\",\"name\":\"registeredAt\",\"type\":\"uint64\"}],\"internalType\":\"structRegistry.Member\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"getProfile\",\"outputs\":[{\"internalType\":\"string[]\",\"name\":\"ks\",\"type\":\"string[]\"},{\"internalType\":\"string[]\",\"name\":\"vs\",\"type\":\"string[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"isAdmin\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"memberNames\",\"outputs\":[{\"internalType\":\"string[]\",\"name\":\"\",\"type\":\"string[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"memberOf\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"}],\"name\":\"profileValue\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"value\",\"type\":\"string\"},{\"internalType\":\"bool\",\"name\":\"found\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"removeMember\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"admin\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"enabled\",\"type\":\"bool\"}],\"name\":\"setAdmin\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"value\",\"type\":\"string\"}],\"name\":\"setProfile\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"enumRegistry.Status\",\"name\":\"status\",\"type\":\"uint8\"}],\"name\":\"setStatus\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "Registry",
	Bin: "0x6080604052348015600e575f5ffd5b50335f8181526020818152604091829020805460ff1916600190811790915591519182527f4526a942aaed9ea92b149506bb00ccf0f9267091de10444718cf9b09e05dc680910160405180910390a26120878061006a5f395ff3fe608060405234801561000f575f5ffd5b50600436106100b1575f3560e01c8063526403141161006e57806352640314146101795780635ffb36741461018c5780636f224b271461019f578063deaab7a9146101b4578063e69a99e1146101c7578063f55365a1146101e8575f5ffd5b80630de98693146100b557806312e6e7b3146100df57806324d7806c146100ff5780632be397c3146101315780633b4c9891146101465780634b0bddd214610166575b5f5ffd5b6100c86100c3366004611710565b6101fb565b6040516100d69291906117d6565b60405180910390f35b6100f26100ed366004611710565b610495565b6040516100d69190611837565b61012161010d3660046118c7565b5f6020819052908152604090205460ff1681565b60405190151581526020016100d6565b61014461013f3660046118e7565b610647565b005b6101596101543660046118c7565b610842565b6040516100d69190611951565b610144610174366004611972565b61092f565b6101446101873660046119a3565b6109fb565b61014461019a366004611a3f565b610b36565b6101a7610f2d565b6040516100d69190611ad7565b6101446101c2366004611ae9565b611001565b6101da6101d53660046118e7565b61115a565b6040516100d6929190611b3e565b6101446101f6366004611710565b6112ac565b6060805f848460405161020f929190611b61565b60405190819003902090505f5f82815260016020526040902060030154610100900460ff16600281111561024557610245611803565b0361027057848460405163f3de158560e01b8152600401610267929190611b98565b60405180910390fd5b5f81815260056020908152604080832080548251818502810185019093528083529193909284015b82821015610340578382905f5260205f200180546102b590611bb3565b80601f01602080910402602001604051908101604052809291908181526020018280546102e190611bb3565b801561032c5780601f106103035761010080835404028352916020019161032c565b820191905f5260205f20905b81548152906001019060200180831161030f57829003601f168201915b505050505081526020019060010190610298565b50505050925082516001600160401b0381111561035f5761035f611beb565b60405190808252806020026020018201604052801561039257816020015b606081526020019060019003908161037d5790505b5091505f5b835181101561048c5760075f8381526020019081526020015f205f8583815181106103c4576103c4611bff565b60200260200101518051906020012081526020019081526020015f2080546103eb90611bb3565b80601f016020809104026020016040519081016040528092919081815260200182805461041790611bb3565b80156104625780601f1061043957610100808354040283529160200191610462565b820191905f5260205f20905b81548152906001019060200180831161044557829003601f168201915b505050505083828151811061047957610479611bff565b6020908102919091010152600101610397565b50509250929050565b6040805160c08101825260608082525f6020830181905292820183905281018290526080810182905260a08101919091525f60015f85856040516104da929190611b61565b604051809103902081526020019081526020015f206040518060c00160405290815f8201805461050990611bb3565b80601f016020809104026020016040519081016040528092919081815260200182805461053590611bb3565b80156105805780601f1061055757610100808354040283529160200191610580565b820191905f5260205f20905b81548152906001019060200180831161056357829003601f168201915b505050918352505060018201546001600160a01b031660208201526002808301546040830152600383015460ff8082161515606085015260809093019261010090910416908111156105d4576105d4611803565b60028111156105e5576105e5611803565b8152600391909101546201000090046001600160401b031660209091015290505f8160800151600281111561061c5761061c611803565b0361063e57838360405163f3de158560e01b8152600401610267929190611b98565b90505b92915050565b5f610652858561159e565b90505f8383604051610665929190611b61565b60408051918290039091205f84815260066020908152838220838352905291822054909250908190036106c15760405163f5c94a5d60e01b81526020600482015260036024820152626b657960e81b6044820152606401610267565b5f83815260056020526040812080549091906106df90600190611c27565b9050806106ed600185611c27565b146107995781818154811061070457610704611bff565b905f5260205f20018260018561071a9190611c27565b8154811061072a5761072a611bff565b905f5260205f2001908161073e9190611ca4565b505f85815260066020526040812084918461075a600185611c27565b8154811061076a5761076a611bff565b905f5260205f200160405161077f9190611d77565b604051809103902081526020019081526020015f20819055505b818054806107a9576107a9611de8565b600190038181905f5260205f20015f6107c29190611644565b90555f85815260066020908152604080832087845282528083208390558783526007825280832087845290915281206107fa91611644565b7f8a3600a5cb2d4095627a42bdce96da9aed0e3536c5edc1ca3aba7b66d5fd04eb8989898960405161082f9493929190611dfc565b60405180910390a1505050505050505050565b6001600160a01b0381165f90815260026020526040902054606090806108935760405163f5c94a5d60e01b815260206004820152600560248201526437bbb732b960d91b6044820152606401610267565b5f81815260016020526040902080546108ab90611bb3565b80601f01602080910402602001604051908101604052809291908181526020018280546108d790611bb3565b80156109225780601f106108f957610100808354040283529160200191610922565b820191905f5260205f20905b81548152906001019060200180831161090557829003601f168201915b5050505050915050919050565b335f9081526020819052604090205460ff1661096057604051630bd4212160e11b8152336004820152602401610267565b6001600160a01b03821661099f5760405163f5c94a5d60e01b815260206004820152600560248201526430b236b4b760d91b6044820152606401610267565b6001600160a01b0382165f8181526020818152604091829020805460ff191685151590811790915591519182527f4526a942aaed9ea92b149506bb00ccf0f9267091de10444718cf9b09e05dc680910160405180910390a25050565b5f610a06878761159e565b90505f849003610a3f5760405163f5c94a5d60e01b81526020600482015260036024820152626b657960e81b6044820152606401610267565b5f8585604051610a50929190611b61565b60408051918290039091205f848152600660209081528382208383529052918220549092509003610ac7575f82815260056020908152604082208054600181018255908352912001610aa3868883611e2d565b505f8281526005602090815260408083205460068352818420858552909252909120555b5f8281526007602090815260408083208484529091529020610aea848683611e2d565b507f610d0a196de86164821f2339e65ea30a628921a9dd923280d61805c24daccca2888888888888604051610b2496959493929190611ee1565b60405180910390a15050505050505050565b335f9081526020819052604090205460ff16610b6757604051630bd4212160e11b8152336004820152602401610267565b851580610b745750604086115b15610bab5760405163f5c94a5d60e01b8152600401610267906020808252600490820152636e616d6560e01b604082015260600190565b6001600160a01b038516610bea5760405163f5c94a5d60e01b815260206004820152600560248201526437bbb732b960d91b6044820152606401610267565b831580610c4657508360028484604051610c05929190611b61565b602060405180830381855afa158015610c20573d5f5f3e3d5ffd5b5050506040513d601f19601f82011682018060405250810190610c439190611f29565b14155b15610c805760405163f5c94a5d60e01b81526020600482015260096024820152680e0e4dedecc90c2e6d60bb1b6044820152606401610267565b5f8787604051610c91929190611b61565b60405190819003902090505f5f82815260016020526040902060030154610100900460ff166002811115610cc757610cc7611803565b14610ce957878760405163170f30bb60e01b8152600401610267929190611b98565b6001600160a01b0386165f9081526002602052604090205415610d2a57604051631deeaa9160e01b81526001600160a01b0387166004820152602401610267565b6040518060c0016040528089898080601f0160208091040260200160405190810160405280939291908181526020018383808284375f920191909152505050908252506001600160a01b0388166020820152604081018790528315156060820152608001600181526001600160401b0343166020918201525f83815260019091526040902081518190610dbd9082611f40565b5060208201516001820180546001600160a01b0319166001600160a01b039092169190911790556040820151600280830191909155606083015160038301805460ff1981169215159283178255608086015193919261ffff1990911661ff00199091161790610100908490811115610e3757610e37611803565b021790555060a09190910151600391820180546001600160401b03909216620100000269ffffffffffffffff0000199092169190911790556001600160a01b0387165f90815260026020526040812083905581546001810183559190527fc2575a0e9e593c00f959f8c92f12db2869c3395a3b0502d05e2516446f71f85b01610ec1888a83611e2d565b506003545f828152600460205260409081902091909155516001600160a01b038716907fc996bd0a5399adc574719ca988fd16b82456398739d9b9a4961e694e50e9743b90610f1b908b908b908a9088908b908b90611fe6565b60405180910390a25050505050505050565b60606003805480602002602001604051908101604052809291908181526020015f905b82821015610ff8578382905f5260205f20018054610f6d90611bb3565b80601f0160208091040260200160405190810160405280929190818152602001828054610f9990611bb3565b8015610fe45780601f10610fbb57610100808354040283529160200191610fe4565b820191905f5260205f20905b815481529060010190602001808311610fc757829003601f168201915b505050505081526020019060010190610f50565b50505050905090565b335f9081526020819052604090205460ff1661103257604051630bd4212160e11b8152336004820152602401610267565b5f8383604051611043929190611b61565b60405190819003902090505f5f82815260016020526040902060030154610100900460ff16600281111561107957611079611803565b0361109b57838360405163f3de158560e01b8152600401610267929190611b98565b5f8260028111156110ae576110ae611803565b036110e55760405163f5c94a5d60e01b815260206004820152600660248201526573746174757360d01b6044820152606401610267565b5f818152600160205260409020600301805483919061ff00191661010083600281111561111457611114611803565b02179055507ff4922364ec1a965adc1e5becf6476ae2d216b33bc56118ff0fb0c8c6c4946a5184848460405161114c9392919061201a565b60405180910390a150505050565b60605f5f868660405161116e929190611b61565b60405190819003902090505f5f82815260016020526040902060030154610100900460ff1660028111156111a4576111a4611803565b036111c657868660405163f3de158560e01b8152600401610267929190611b98565b5f85856040516111d7929190611b61565b60408051918290039091205f84815260076020908152838220838352815283822086835260068252848320848452909152929020548254919350151590829061121f90611bb3565b80601f016020809104026020016040519081016040528092919081815260200182805461124b90611bb3565b80156112965780601f1061126d57610100808354040283529160200191611296565b820191905f5260205f20905b81548152906001019060200180831161127957829003601f168201915b5050505050915093509350505094509492505050565b335f9081526020819052604090205460ff166112dd57604051630bd4212160e11b8152336004820152602401610267565b5f82826040516112ee929190611b61565b60408051918290039091205f8181526001602052918220909250906003820154610100900460ff16600281111561132757611327611803565b0361134957838360405163f3de158560e01b8152600401610267929190611b98565b60018101545f8381526005602052604081206001600160a01b0390921691905b81548110156113e9575f82828154811061138557611385611bff565b905f5260205f200160405161139a9190611d77565b60408051918290039091205f8881526007602090815283822083835290529182209092506113c791611644565b5f86815260066020908152604080832093835292905290812055600101611369565b505f8481526005602052604081206114009161167a565b5f8481526004602052604081205461141a90600190611c27565b6003549091505f9061142e90600190611c27565b90508082146114ca576003818154811061144a5761144a611bff565b905f5260205f20016003838154811061146557611465611bff565b905f5260205f200190816114799190611ca4565b5061148582600161203c565b60045f6003858154811061149b5761149b611bff565b905f5260205f20016040516114b09190611d77565b604051809103902081526020019081526020015f20819055505b60038054806114db576114db611de8565b600190038181905f5260205f20015f6114f49190611644565b90555f8681526004602090815260408083208390556001600160a01b03871683526002825280832083905588835260019091528120906115348282611644565b506001810180546001600160a01b03191690555f6002820155600301805469ffffffffffffffffffff191690556040516001600160a01b038516907fdd403bcc860194e697bd48a94ad259a004827525ef954ad73b044e400f3adfe090610f1b908b908b90611b98565b5f82826040516115af929190611b61565b60408051918290039091205f8181526001602052918220909250906003820154610100900460ff1660028111156115e8576115e8611803565b0361160a57838360405163f3de158560e01b8152600401610267929190611b98565b60018101546001600160a01b0316331461163d57838333604051630b6fb5bd60e41b81526004016102679392919061204f565b5092915050565b50805461165090611bb3565b5f825580601f1061165f575050565b601f0160209004905f5260205f20906116789190611692565b565b5080545f8255905f5260205f209061167891906116ae565b5f5b808211156116a9575f81840155600101611694565b505050565b5f5b808211156116a9576116c48184015f611644565b6001016116b0565b5f5f83601f8401126116dc575f5ffd5b5081356001600160401b038111156116f2575f5ffd5b602083019150836020828501011115611709575f5ffd5b9250929050565b5f5f60208385031215611721575f5ffd5b82356001600160401b03811115611736575f5ffd5b611742858286016116cc565b90969095509350505050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b5f82825180855260208501945060208160051b830101602085015f5b838110156117ca57601f198584030188526117b483835161174e565b6020988901989093509190910190600101611798565b50909695505050505050565b604081525f6117e8604083018561177c565b82810360208401526117fa818561177c565b95945050505050565b634e487b7160e01b5f52602160045260245ffd5b6003811061183357634e487b7160e01b5f52602160045260245ffd5b9052565b602081525f825160c0602084015261185260e084018261174e565b905060018060a01b03602085015116604084015260408401516060840152606084015115156080840152608084015161188e60a0850182611817565b506001600160401b0360a08501511660c08401528091505092915050565b80356001600160a01b03811681146118c2575f5ffd5b919050565b5f602082840312156118d7575f5ffd5b6118e0826118ac565b9392505050565b5f5f5f5f604085870312156118fa575f5ffd5b84356001600160401b0381111561190f575f5ffd5b61191b878288016116cc565b90955093505060208501356001600160401b03811115611939575f5ffd5b611945878288016116cc565b95989497509550505050565b602081525f6118e0602083018461174e565b803580151581146118c2575f5ffd5b5f5f60408385031215611983575f5ffd5b61198c836118ac565b915061199a60208401611963565b90509250929050565b5f5f5f5f5f5f606087890312156119b8575f5ffd5b86356001600160401b038111156119cd575f5ffd5b6119d989828a016116cc565b90975095505060208701356001600160401b038111156119f7575f5ffd5b611a0389828a016116cc565b90955093505060408701356001600160401b03811115611a21575f5ffd5b611a2d89828a016116cc565b979a9699509497509295939492505050565b5f5f5f5f5f5f5f60a0888a031215611a55575f5ffd5b87356001600160401b03811115611a6a575f5ffd5b611a768a828b016116cc565b9098509650611a899050602089016118ac565b94506040880135935060608801356001600160401b03811115611aaa575f5ffd5b611ab68a828b016116cc565b9094509250611ac9905060808901611963565b905092959891949750929550565b602081525f6118e0602083018461177c565b5f5f5f60408486031215611afb575f5ffd5b83356001600160401b03811115611b10575f5ffd5b611b1c868287016116cc565b909450925050602084013560038110611b33575f5ffd5b809150509250925092565b604081525f611b50604083018561174e565b905082151560208301529392505050565b818382375f9101908152919050565b81835281816020850137505f828201602090810191909152601f909101601f19169091010190565b602081525f611bab602083018486611b70565b949350505050565b600181811c90821680611bc757607f821691505b602082108103611be557634e487b7160e01b5f52602260045260245ffd5b50919050565b634e487b7160e01b5f52604160045260245ffd5b634e487b7160e01b5f52603260045260245ffd5b634e487b7160e01b5f52601160045260245ffd5b8181038181111561064157610641611c13565b601f8211156116a957828211156116a957805f5260205f20601f840160051c6020851015611c6557505f5b90810190601f840160051c035f5b81811015611c88575f83820155600101611c73565b505050505050565b5f19600383901b1c191660019190911b1790565b818103611caf575050565b611cb98254611bb3565b6001600160401b03811115611cd057611cd0611beb565b611ce481611cde8454611bb3565b84611c3a565b5f601f821160018114611d10575f8315611cfe5750848201545b611d088482611c90565b855550611d70565b5f8581526020808220868352908220601f198616925b83811015611d465782860154825560019586019590910190602001611d26565b5085831015611d6357818501545f19600388901b60f8161c191681555b50505060018360011b0184555b5050505050565b5f5f8354611d8481611bb3565b600182168015611d9b5760018114611db057611ddd565b60ff1983168652811515820286019350611ddd565b865f5260205f205f5b83811015611dd557815488820152600190910190602001611db9565b505081860193505b509195945050505050565b634e487b7160e01b5f52603160045260245ffd5b604081525f611e0f604083018688611b70565b8281036020840152611e22818587611b70565b979650505050505050565b6001600160401b03831115611e4457611e44611beb565b611e5883611e528354611bb3565b83611c3a565b5f601f841160018114611e84575f8515611e725750838201355b611e7c8682611c90565b845550611d70565b5f83815260208120601f198716915b82811015611eb35786850135825560209485019460019092019101611e93565b5086821015611ecf575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b606081525f611ef460608301888a611b70565b8281036020840152611f07818789611b70565b90508281036040840152611f1c818587611b70565b9998505050505050505050565b5f60208284031215611f39575f5ffd5b5051919050565b81516001600160401b03811115611f5957611f59611beb565b611f6781611cde8454611bb3565b6020601f821160018114611f8b575f8315611cfe575084820151611d088482611c90565b5f84815260208120601f198516915b82811015611fba5787850151825560209485019460019092019101611f9a565b5084821015611fd757868401515f19600387901b60f8161c191681555b50505050600190811b01905550565b608081525f611ff960808301888a611b70565b86602084015285151560408401528281036060840152611f1c818587611b70565b604081525f61202d604083018587611b70565b9050611bab6020830184611817565b8082018082111561064157610641611c13565b604081525f612062604083018587611b70565b905060018060a01b038316602083015294935050505056fea164736f6c6343000825000a",
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
// Solidity: function getMember(string name) view returns((string,address,bytes32,bool,uint8,uint64))
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
// Solidity: function getMember(string name) view returns((string,address,bytes32,bool,uint8,uint64))
func (registry *Registry) TryPackGetMember(name string) ([]byte, error) {
	return registry.abi.Pack("getMember", name)
}

// UnpackGetMember is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x12e6e7b3.
//
// Solidity: function getMember(string name) view returns((string,address,bytes32,bool,uint8,uint64))
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
	ProofChain string
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
// Solidity: event MemberAdded(string name, address indexed owner, bytes32 proofHash, bool selfSigned, string proofChain)
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
