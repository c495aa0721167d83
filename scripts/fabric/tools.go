//go:build tools
package tools
import (
 _ "github.com/hyperledger/fabric/cmd/peer"
 _ "github.com/hyperledger/fabric/cmd/orderer"
 _ "github.com/hyperledger/fabric/cmd/configtxgen"
 _ "github.com/hyperledger/fabric/cmd/configtxlator"
 _ "github.com/hyperledger/fabric/cmd/osnadmin"
)
