// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// SmallBank (Alomari et al., "The Cost of Serializability on Platforms That Use Snapshot
/// Isolation", 2008; the H-Store and BenchBase workload) as a contract, for
/// `consort bench smallbank`: customers numbered 0..accounts-1, each with a checking and a savings
/// balance in cents. Balances are signed: WriteCheck may overdraw checking, as in the original.
///
/// Money only enters or leaves through DepositChecking, TransactSavings and WriteCheck (with its
/// overdraft penalty, announced by an Overdraft event); Amalgamate and SendPayment move it between
/// customers. A client that knows which of its transactions succeeded can therefore predict the
/// sum of all balances, which the benchmark checks after its run.
contract SmallBank {
    address public immutable owner;
    uint256 public accounts;
    mapping(uint256 => int256) public checking;
    mapping(uint256 => int256) public savings;

    /// WriteCheck overdrew the customer's funds and charged a penalty of `penalty` cents.
    event Overdraft(uint256 indexed customer, int256 penalty);

    error NotOwner();
    error NoSuchCustomer(uint256 customer);
    error SameCustomer(uint256 customer);
    error NegativeAmount(int256 amount);
    error NegativeSavings(uint256 customer, int256 balance, int256 amount);
    error InsufficientFunds(uint256 customer, int256 balance, int256 amount);

    constructor() {
        owner = msg.sender;
    }

    /// Creates customers `accounts`, `accounts + 1`, ... with the given balances (setup, by the owner).
    function createAccounts(int256[] calldata checkingBalances, int256[] calldata savingsBalances) external {
        if (msg.sender != owner) revert NotOwner();
        require(checkingBalances.length == savingsBalances.length, "lengths differ");
        uint256 next = accounts;
        for (uint256 i = 0; i < checkingBalances.length; i++) {
            checking[next + i] = checkingBalances[i];
            savings[next + i] = savingsBalances[i];
        }
        accounts = next + checkingBalances.length;
    }

    /// Balance: the customer's checking and savings together (read-only).
    function balance(uint256 customer) external view returns (int256) {
        _exists(customer);
        return checking[customer] + savings[customer];
    }

    /// DepositChecking: adds `amount` to the customer's checking balance.
    function depositChecking(uint256 customer, int256 amount) external {
        _exists(customer);
        if (amount < 0) revert NegativeAmount(amount);
        checking[customer] += amount;
    }

    /// TransactSavings: adds `amount` (negative: withdraws) to the savings balance, unless it would go negative.
    function transactSavings(uint256 customer, int256 amount) external {
        _exists(customer);
        int256 result = savings[customer] + amount;
        if (result < 0) revert NegativeSavings(customer, savings[customer], amount);
        savings[customer] = result;
    }

    /// Amalgamate: moves all the funds of `from` into the checking account of `to`.
    function amalgamate(uint256 from, uint256 to) external {
        _exists(from);
        _exists(to);
        if (from == to) revert SameCustomer(from);
        int256 total = checking[from] + savings[from];
        checking[from] = 0;
        savings[from] = 0;
        checking[to] += total;
    }

    /// WriteCheck: takes `amount` from checking; when checking and savings together hold less, one cent more.
    function writeCheck(uint256 customer, int256 amount) external {
        _exists(customer);
        if (amount < 0) revert NegativeAmount(amount);
        if (checking[customer] + savings[customer] < amount) {
            checking[customer] -= amount + 1;
            emit Overdraft(customer, 1);
        } else {
            checking[customer] -= amount;
        }
    }

    /// SendPayment: moves `amount` from the checking account of `from` to that of `to`, if `from` has it.
    function sendPayment(uint256 from, uint256 to, int256 amount) external {
        _exists(from);
        _exists(to);
        if (from == to) revert SameCustomer(from);
        if (amount < 0) revert NegativeAmount(amount);
        if (checking[from] < amount) revert InsufficientFunds(from, checking[from], amount);
        checking[from] -= amount;
        checking[to] += amount;
    }

    function _exists(uint256 customer) private view {
        if (customer >= accounts) revert NoSuchCustomer(customer);
    }
}
